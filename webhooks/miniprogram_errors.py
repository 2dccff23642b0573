"""Every error ``/api/mp`` can answer, and every sentence it says: the one table.

A mini-program user presses buttons, so nothing here is chat wording (no 「回复……」, no
commands to type): each error has a stable machine ``code`` the mini-program branches on, the
HTTP status that fits, a ``message`` to show as it is (naming the field where one is wrong), and
``field`` where the error is about one. ``ERRORS`` is the single source: the views raise
``ApiError(code, …)``, and the OpenAPI document's ``Error`` schema (the ``code`` enum and the
table in its description) is written from it by ``python -m webhooks.miniprogram_errors``
(tests/miniprogram/test_error_codes.py checks that the two agree).

The personal-services domain says *what* is wrong as its own codes (bot.personal.service's
``*_problem`` functions, ``BindingError.code``, a submission's ``Outcome``); the views map them
to these.
"""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: ``field`` of an error whose field is the request's, given where it is raised.
ANY_FIELD = "*"


@dataclass(frozen=True)
class ErrorCode:
    status: int
    message: str  # shown to the user; {placeholders} are filled from the error's details
    meaning: str  # for the mini-program's developers (the OpenAPI document's table)
    field: str | None = None  # the field it is always about, ANY_FIELD, or None


ERRORS: dict[str, ErrorCode] = {
    # -- the request itself ----------------------------------------------------------------
    "invalid_request": ErrorCode(
        400,
        "请求格式不正确，本次操作没有完成。",
        "The body is not a JSON object, or is nested too deep.",
    ),
    "unknown_parameter": ErrorCode(
        400,
        "请求中有不支持的参数，本次操作没有完成。",
        "A query parameter the operation does not list; `field` names it.",
        ANY_FIELD,
    ),
    "field_missing": ErrorCode(
        400, "请填写{label}。", "A required field is absent, empty or blank.", ANY_FIELD
    ),
    "field_too_long": ErrorCode(
        400,
        "{label}太长了，最多{max_length}个字。",
        "A text field is longer than the document allows.",
        ANY_FIELD,
    ),
    "invalid_field": ErrorCode(
        400,
        "{label}不正确，请检查后再试。",
        "A field has the wrong type or a value outside its enum.",
        ANY_FIELD,
    ),
    "unreadable_text": ErrorCode(
        400,
        "{label}中有无法识别的字符，请删除后再试。",
        "A text field holds a lone surrogate (such as `\\ud800`), which no UTF-8 can carry.",
        ANY_FIELD,
    ),
    "too_large": ErrorCode(413, "提交的内容太长了。", "The body is larger than 64 KB."),
    "method_not_allowed": ErrorCode(
        405, "不支持这种请求方式。", "The path exists but not with this method (see `Allow`)."
    ),
    "not_found": ErrorCode(
        404,
        "没有找到要查看的内容。",
        "No such path, application or answer, or one that is someone else's.",
    ),
    # -- login -----------------------------------------------------------------------------
    "unauthorized": ErrorCode(
        401,
        "登录已失效，请重新登录。",
        "No token, a tampered one, or an expired session: log in again with `wx.login`.",
    ),
    "invalid_code": ErrorCode(
        401,
        "登录失败，请重新打开小程序再试。",
        "WeChat's code2Session refused `wx.login`'s code (used already, or expired).",
        "code",
    ),
    "wechat_unavailable": ErrorCode(
        503,
        "微信登录服务暂时不可用，请稍后再试。",
        "WeChat's code2Session could not be reached.",
    ),
    # -- asking and rating -----------------------------------------------------------------
    "unknown_region": ErrorCode(
        400,
        "没有识别出这个地区，请填写市或区县名称，如：江门市、金湖县。",
        "`region` names no place at all (火星).",
        "region",
    ),
    "too_many_requests": ErrorCode(
        429,
        "提问太频繁了，请稍等一分钟再试。",
        "More than RATE_LIMIT_PER_MINUTE questions a minute from this user (`Retry-After`).",
    ),
    "rate_limited": ErrorCode(
        429,
        "评价太频繁了，请稍后再试。",
        "More than FEEDBACK_PER_MINUTE ratings a minute from this user.",
    ),
    # -- binding ---------------------------------------------------------------------------
    "id_number_format": ErrorCode(
        400,
        "身份证号应为18位：前17位是数字，最后一位是数字或X。",
        "Not 17 digits and a digit or X.",
        "id_number",
    ),
    "id_number_check_digit": ErrorCode(
        400,
        "身份证号校验不通过，可能有数字输错了，请核对身份证号。",
        "The GB 11643 check digit (the last one) does not match: a digit is mistyped.",
        "id_number",
    ),
    "id_number_birth_date": ErrorCode(
        400,
        "身份证号中的出生日期不正确，请核对身份证号。",
        "Digits 7 to 14 are no possible birth date.",
        "id_number",
    ),
    "name_format": ErrorCode(
        400,
        "姓名格式不对，请填写身份证上的中文姓名。",
        "Not a name in Chinese characters (2 to 6, or two parts joined by ·).",
        "name",
    ),
    "phone_format": ErrorCode(
        400,
        "手机号应为11位数字，以13到19开头。",
        "Not a mainland mobile number (1[3-9] and 9 digits).",
        "phone",
    ),
    "code_format": ErrorCode(
        400, "验证码是6位数字。", "The one-time code is not 6 digits.", "code"
    ),
    "identity_mismatch": ErrorCode(
        422,
        "身份证号、姓名和手机号与社保登记的信息不一致，请核对后重新提交。",
        "The core knows no such person with this name and phone (counts towards `locked`).",
    ),
    "wrong_code": ErrorCode(
        422,
        "验证码不正确，还可以再试{attempts_left}次。",
        "A wrong one-time code; `attempts_left` before `locked`.",
        "code",
    ),
    "verification_expired": ErrorCode(
        410,
        "验证码已失效，请重新获取验证码。",
        "No code was sent, or it expired: start the binding again.",
    ),
    "locked": ErrorCode(
        429,
        "错误次数过多，为保护您的信息安全，实名绑定已暂停，请在{until}之后再试，"
        "或携带身份证到社保经办窗口办理。",
        "Too many failures: binding is paused until `locked_until` (`Retry-After`).",
    ),
    "not_bound": ErrorCode(
        403,
        "查询和办理本人的社保业务，需要先完成实名绑定。",
        "Records and applications need a bound identity first (`/binding/start`).",
    ),
    # -- applications ----------------------------------------------------------------------
    "leaving_date_format": ErrorCode(
        400,
        "没有识别出离职日期，请按“2026-10-31”的格式填写。",
        "`leaving_date` is no date.",
        "leaving_date",
    ),
    "leaving_date_future": ErrorCode(
        400, "离职日期不能晚于今天。", "`leaving_date` is after today.", "leaving_date"
    ),
    "leaving_date_too_early": ErrorCode(
        400,
        "离职日期太早了：失业保险金应在离职后及时申领，请核对离职日期。",
        "`leaving_date` is more than two years ago.",
        "leaving_date",
    ),
    "bank_card_format": ErrorCode(
        400,
        "请填写本人的银行卡号（12到19位数字），或改选社保卡。",
        "`payment_account.number` is missing or holds no card number.",
        "payment_account",
    ),
    "bank_card_length": ErrorCode(
        400,
        "银行卡号应为12到19位数字，请核对，或改选社保卡。",
        "`payment_account.number` is not 12 to 19 digits.",
        "payment_account",
    ),
    "bank_card_check_digit": ErrorCode(
        400,
        "银行卡号校验不通过，可能有数字输错了，请核对，或改选社保卡。",
        "`payment_account.number` fails the Luhn check: a digit is mistyped.",
        "payment_account",
    ),
    "idempotency_key_required": ErrorCode(
        400,
        "提交不完整，请返回后重新提交申请。",
        "No `Idempotency-Key` header (8 to 128 printable ASCII characters).",
    ),
    "idempotency_key_reused": ErrorCode(
        422,
        "这次提交与之前的内容不一致，请返回后重新提交申请。",
        "This `Idempotency-Key` came before with a different body.",
    ),
    "application_exists": ErrorCode(
        409,
        "您已有一笔失业保险金申请正在办理，无需重复申请。",
        "An application is open (its `application_id` is given) or kept.",
    ),
    "not_eligible": ErrorCode(
        422,
        "不能申请失业保险金：{reason}",
        "The applicant cannot claim: a voluntary leaving reason (`field: leaving_reason`), "
        "no wish to work (`field: seeking_work`), or the core's rules, with the reason.",
    ),
    "refused": ErrorCode(
        422,
        "社保业务系统没有受理：{reason}",
        "The core declined the request for another reason, with its reason.",
    ),
    # -- the services behind ---------------------------------------------------------------
    "core_unavailable": ErrorCode(
        503,
        "社保业务系统暂时连不上，请稍后再试；急事可拨打12333。",
        "The bureau's core services cannot be reached: nothing was done, try again later.",
    ),
    "unavailable": ErrorCode(
        503,
        "系统暂时繁忙，本次操作没有完成，请稍后再试。",
        "The bot's database cannot be reached: nothing was done (`Retry-After`).",
    ),
    "internal": ErrorCode(
        500,
        "服务出了点问题，本次操作没有完成，请稍后再试。",
        "A fault of this service (logged); never the core's.",
    ),
}

#: The fields' names as the user sees them on the page, for ``{label}``.
FIELD_LABELS = {
    "text": "问题",
    "region": "地区",
    "code": "验证码",
    "id_number": "身份证号",
    "name": "姓名",
    "phone": "手机号",
    "leaving_date": "离职日期",
    "leaving_reason": "离职原因",
    "payment_account": "领取账户",
    "seeking_work": "求职意愿",
    "answer_id": "答复",
    "helpful": "评价",
    "comment": "留言",
    "type": "险种",
}
DEFAULT_LABEL = "填写的内容"

#: Details that also go into the error body (the others only fill the message).
BODY_DETAILS = ("attempts_left", "application_id", "locked_until")

# -- reasons the API gives for not_eligible / refused itself ------------------------------------
REASON_VOLUNTARY = "离职原因“{reason}”不属于非本人意愿中断就业（《失业保险条例》第十四条）。"
REASON_SEEKING_WORK = (
    "领取失业保险金需要有求职要求，愿意接受职业介绍和职业培训（《失业保险条例》第十四条）。"
)
REASON_NOT_ELIGIBLE = "暂不符合领取条件。"
REASON_REFUSED = "请稍后再试，或拨打12333咨询。"

# -- what successful answers say -----------------------------------------------------------------
SUBMITTED = "申请已提交，申请编号：{application_id}。办理进度有变化会通知您。"
SUBMIT_PENDING = (
    "社保业务系统暂时连不上，您的申请已经保存，不用重新填写。"
    "系统恢复后会自动提交，提交成功后会通知您申请编号。"
)
KEPT = "您{when}填写的失业保险金申请已保存，社保业务系统恢复后会自动提交。"
OPEN_EXISTS = "您已有一笔失业保险金申请（编号{application_id}）正在办理，无需重复申请。"
PENDING_EXISTS = "您之前填写的失业保险金申请已保存，正在等待社保业务系统恢复后提交，无需重新填写。"


def placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def error_body(code: str, field: str | None = None, **details: Any) -> dict[str, Any]:
    """``{"code", "message", "field"?, …}`` for ``code`` of ``ERRORS``; ``details`` fill the
    message's placeholders (``label`` defaults to the field's) and those of ``BODY_DETAILS``
    are given as they are."""
    entry = ERRORS[code]
    if field is None and entry.field not in (None, ANY_FIELD):
        field = entry.field
    values = {"label": FIELD_LABELS.get(field or "", DEFAULT_LABEL)} | {
        k: v for k, v in details.items() if v is not None
    }
    body: dict[str, Any] = {"code": code, "message": entry.message.format(**values)}
    if field is not None:
        body["field"] = field
    for name in BODY_DETAILS:
        if details.get(name) is not None:
            body[name] = details[name]
    return body


# -- the OpenAPI document's Error schema, written from the table ------------------------------

SPEC = Path(__file__).with_name("miniprogram_openapi.yaml")
BEGIN = "    # -- Error: written by `python -m webhooks.miniprogram_errors` from ERRORS --"
END = "    # -- end of Error --"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def error_schema() -> str:
    """The ``Error`` schema's YAML (under ``components.schemas``), markers included."""
    rows = [
        f"        | `{code}` | {e.status} | {'' if e.field is None else f'`{e.field}`'} "
        f"| {_cell(e.message)} | {_cell(e.meaning)} |"
        for code, e in ERRORS.items()
    ]
    return "\n".join(
        [
            BEGIN,
            "    Error:",
            "      type: object",
            "      required: [error]",
            "      description: |",
            "        Every error of this API, in one shape. Branch on `code` (stable); show"
            " `message` as it is",
            "        (a sentence for the user, naming the field to fix where there is one)."
            " `field`: the",
            "        request field the error is about (`*` below: the one that is wrong)."
            " `{…}` in a",
            "        message is filled in (`{label}`: the field's name on the page).",
            "",
            "        | code | HTTP | field | message | meaning |",
            "        |---|---|---|---|---|",
            *rows,
            "      properties:",
            "        error:",
            "          type: object",
            "          required: [code, message]",
            "          properties:",
            "            code:",
            "              type: string",
            "              enum:",
            *(f"                - {code}" for code in ERRORS),
            "            message: {type: string}",
            "            field: {type: string}",
            "            attempts_left: {type: integer}",
            "            application_id: {type: string}",
            "            locked_until: {type: string, format: date-time}",
            END,
        ]
    )


def written_schema(document: str) -> str | None:
    """The part between the markers in ``document``, markers included, or None."""
    found = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), document, re.DOTALL)
    return found.group(0) if found else None


def write_spec(path: Path = SPEC) -> bool:
    """Rewrite the ``Error`` schema in the document from ``ERRORS``; True if it changed."""
    document = path.read_text(encoding="utf-8")
    old = written_schema(document)
    if old is None:
        raise SystemExit(f"{path}: no {BEGIN!r} … {END!r} part to rewrite")
    new = document.replace(old, error_schema())
    if new != document:
        path.write_text(new, encoding="utf-8")
    return new != document


if __name__ == "__main__":
    print(f"{SPEC.name}: {'rewritten' if write_spec() else 'already up to date'}", file=sys.stderr)
