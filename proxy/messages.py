"""Every Chinese sentence and label of proxy/ that a citizen may see, in one place.

Staff and reviewers change the wording here without reading code. Sentences are short and plain:
the bot may show them as they are.
"""

from __future__ import annotations

# Insurance types (险种), by contract code.
INSURANCE_TYPE_LABELS = {
    "pension": "养老保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
    "medical": "医疗保险",
}

# Reasons for leaving a job, by contract code. Only the involuntary ones (非本人意愿中断就业,
# 《失业保险金申领发放办法》第四条) qualify for 失业保险金.
LEAVING_REASON_LABELS = {
    "layoff": "公司裁员",
    "contract_expired": "劳动合同期满终止",
    "dismissed": "被单位解除劳动合同或辞退",
    "mutual_by_employer": "单位提出、双方协商解除劳动合同",
    "employer_fault": "因单位过错本人被迫解除劳动合同",
    "resigned": "本人主动辞职",
    "other": "其他原因",
}

APPLICATION_STATUS_LABELS = {
    "submitted": "已提交，等待受理",
    "accepted": "已受理，正在审核",
    "approved": "审核通过",
    "first_payment": "已首次发放",
    "rejected": "未通过",
}

PAYMENT_ACCOUNT_LABELS = {
    "bank_card": "银行卡",
    "social_security_card": "社保卡",
}

# Error codes of the contract, with the sentence shown when the core sends none (or when the
# failure is ours, e.g. the core cannot be reached).
ERROR_MESSAGES = {
    "invalid_request": "提交的信息不完整或格式不对，请核对后再试。",
    "not_found": "没有查到相关记录，请核对后再试。",
    "identity_mismatch": "身份信息核对不一致，请检查身份证号、姓名和在社保登记的手机号。",
    "wrong_code": "验证码不正确，请重新输入。",
    "verification_expired": "验证码已失效，请重新获取验证码。",
    "not_eligible": "暂不符合申领条件。",
    "application_exists": "您已有一笔失业保险金申请正在办理，无需重复申请。",
    "card_already_reported": "您的社保卡已经临时挂失，无需重复挂失。",
    "idempotency_key_reused": "提交出现异常，请重新发起办理。",
    "idempotency_key_required": "提交出现异常，请重新发起办理。",
    "unavailable": "社保业务系统暂时无法连接，请稍后再试。",
    "timeout": "社保业务系统响应超时，请稍后再试。",
    "internal": "社保业务系统出现异常，请稍后再试。",
    "rejected": "社保业务系统未能办理此业务，请稍后再试或咨询人工客服。",
}

# What the sandbox core answers with. The real core writes its own sentences; these stand in for
# them in development, demos and tests.
SANDBOX = {
    "id_number_invalid": "身份证号码格式不正确，请核对后重新输入。",
    "name_invalid": "姓名格式不正确，请输入身份证上的姓名。",
    "phone_invalid": "手机号码格式不正确，请输入11位手机号。",
    "code_wrong": "验证码不正确，还可以再试{left}次。",
    "code_too_many": "验证码错误次数过多，请重新获取验证码。",
    "code_expired": "验证码已过期，请重新获取验证码。",
    "verification_not_found": "没有找到这次验证，请重新获取验证码。",
    "person_not_found": "没有查到该参保人的信息。",
    "application_not_found": "没有查到这笔失业保险金申请，请核对申请编号。",
    "month_invalid": "月份格式不正确，应为“2026-01”这样的年月。",
    "type_invalid": "险种不正确。",
    "leaving_date_future": "离职日期不能晚于今天。",
    "leaving_date_early": "离职日期不正确，请核对后重新输入。",
    "bank_card_invalid": "银行卡号不正确，应为12到19位数字。",
    "retired": "您已按月领取基本养老金，不能领取失业保险金。",
    "too_few_months": (
        "您累计缴纳失业保险{months}个月，不满1年（12个月），暂不符合领取失业保险金的条件。"
    ),
    "no_separation": "暂未查到单位为您办理停保减员的记录，请先确认已与单位解除或终止劳动关系。",
    "voluntary": "离职原因为“{reason}”，不属于非本人意愿中断就业，不能领取失业保险金。",
    "eligible": (
        "您累计缴纳失业保险{months}个月，已满1年；{date}因“{reason}”中断就业，"
        "属于非本人意愿中断就业，符合申领失业保险金的条件。"
    ),
    "application_exists": "您已有一笔失业保险金申请（编号{id}）正在办理，无需重复申请。",
    "application_final": "这笔申请已经办结，状态不能再变更。",
    "status_unknown": "状态不正确。",
    "rejected_default": "经审核，暂不符合领取失业保险金的条件。",
    "event_submitted": "申请已提交",
    "event_accepted": "经办机构已受理",
    "event_approved": "核定领取{months}个月，每月{amount}元",
    "event_first_payment": "首月失业保险金{amount}元已发放至{account}",
    "card_already_reported": "您的社保卡已于{date}临时挂失，有效期至{until}，无需重复挂失。",
}
