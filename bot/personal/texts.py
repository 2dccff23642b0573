"""Every sentence the personal services say (binding, records, applications, volunteers).

Kept together so staff and reviewers can read and change the wording without reading code.
Personal data only ever appears here through masked placeholders ({id_masked}, {phone_masked},
{account_masked}); the code fills them from ``shebao.masking``.
"""

from __future__ import annotations

# -- forms in general --------------------------------------------------------------------------
CANCELLED = "好的，已取消，填写的信息没有保存。还有其他问题可以随时问我。"
NOTHING_TO_CANCEL = "当前没有正在办理的事项。"
FORM_REMINDER = "\n（您的{form}还没填完，回复「继续」接着填写，回复「取消」放弃。）"
FORM_RESUMED = "好的，接着填写{form}。"
FORM_NAMES = {"bind": "实名绑定", "apply": "失业保险金申请"}
TOO_MANY_TRIES = (
    "多次没能识别您的输入，{form}已暂停。可以回复「继续」再试，或回复「转人工」由工作人员协助。"
)

# -- binding ------------------------------------------------------------------------------------
BIND_INTRO = (
    "实名绑定后可以查询本人参保缴费、养老金发放和失业金申领进度。"
    "信息只用于向社保系统核验身份，身份证号不会保存。随时回复「取消」可退出。\n"
)
BIND_FOR_QUESTION = "查询本人社保信息需要先实名绑定，绑定后马上为您查询。\n"
BIND_FOR_APPLY = "申请失业保险金需要先实名绑定本人身份，绑定后接着为您办理。\n"
ASK_ID_NUMBER = "第1步：请输入您的18位身份证号。"
ASK_NAME = "第2步：请输入身份证上的姓名。"
ASK_PHONE = "第3步：请输入您在社保登记的手机号。"
CODE_SENT = (
    "验证码已发送到手机 {phone_masked}，{minutes}分钟内有效。请回复6位验证码。"
    "（没收到可回复「重新获取」）"
)
ID_WRONG_LENGTH = "身份证号应为18位（最后一位可能是X），您输入的是{length}位，请核对后重新输入。"
ID_WRONG_CHECK = (
    "身份证号校验不通过（最后一位校验码对不上），可能有数字输错了，请核对后重新输入身份证号。"
)
ID_WRONG_DATE = "身份证号中的出生日期不正确，请核对后重新输入身份证号。"
ID_MISSING = "没有识别到身份证号。请输入18位身份证号（数字，最后一位可能是X）。"
NAME_INVALID = "姓名格式不对，请输入身份证上的中文姓名（2到20个字）。"
PHONE_INVALID = "手机号格式不对：应为11位数字，以13到19开头。请重新输入手机号。"
CODE_INVALID = "验证码是6位数字，请重新输入。（没收到可回复「重新获取」）"
CODE_WRONG = "验证码不正确，还可以再试{left}次。"
CODE_EXPIRED = "验证码已失效。回复「重新获取」再发一次验证码，或回复「取消」。"
IDENTITY_MISMATCH = (
    "身份信息核对不一致：请检查身份证号、姓名和在社保登记的手机号。"
    "已为您重新开始，请重新输入身份证号。"
)
BIND_LOCKED = (
    "错误次数过多，为保护您的信息安全，实名绑定已暂停，请在{until}之后再试，"
    "或携带身份证到社保经办窗口办理。"
)
BOUND = "绑定成功！已绑定：{name_masked}（{id_masked}），参保地：{region}。"
BOUND_NEXT = "现在可以查询参保缴费、养老金发放、失业金申领进度，或回复「申请失业金」。"
ALREADY_BOUND = (
    "您已实名绑定：{name_masked}（{id_masked}），参保地：{region}。"
    "需要换成别的身份，请回复「重新绑定」；不再使用请回复「解除绑定」。"
)
UNBOUND = "已解除绑定，您的绑定信息已删除。需要时可回复「实名绑定」重新绑定。"
NOT_BOUND = "您还没有实名绑定。需要查询本人信息请回复「实名绑定」。"

# -- the core services -------------------------------------------------------------------------
CORE_DOWN = "社保业务系统暂时连不上，请稍后再试；急事可拨打12333。"

# -- records ------------------------------------------------------------------------------------
RECORDS_HEAD = "{name_masked}（{id_masked}）的参保缴费记录："
ON_BEHALF = "【代查：{name_masked}（{id_masked}）】\n"
INSURANCE_LINE = "{label}：累计缴费{total}个月（{first}至{last}）{gaps}。"
INSURANCE_NONE = "{label}：没有缴费记录。"
NO_GAPS = "，没有断缴"
GAPS = "，断缴{count}个月：{ranges}"
GAP_RANGE = "{first}至{last}（{months}个月）"
GAP_ONE = "{first}（1个月）"
LATEST_HEAD = "最近{n}个月{label}（缴费基数 / 个人 / 单位）："
LATEST_LINE = "{month}：{base} / {personal} / {unit} 元"
NO_CONTRIBUTIONS = "没有查到您的参保缴费记录。如有疑问请携带身份证到社保经办窗口查询。"

PENSION_HEAD = "{name_masked}的养老金发放记录：每月{monthly}元。"
PENSION_THIS_MONTH = "本月（{month}）养老金{amount}元已于{paid_on}发放到{account}。"
PENSION_NOT_YET = "本月（{month}）养老金还没有发放记录，通常每月15日前后发放，请稍后再查。"
PENSION_LATEST_HEAD = "最近{n}个月："
PENSION_LINE = "{month}：{amount}元（{paid_on}发放）"
PENSION_NONE = "没有查到您按月领取养老金的记录。如果刚办理退休，待遇核定后才开始发放。"

STATUS_LINE = "失业保险金申请（编号{application_id}）：{status}。"
STATUS_SUBMITTED_AT = "提交时间：{submitted_at}。"
STATUS_APPROVED = "核定领取{months}个月，每月{amount}元。"
STATUS_FIRST_PAYMENT = "首次发放日期：{paid_on}，发放到{account}。"
STATUS_REJECTED = "未通过原因：{reason}"
STATUS_HISTORY = "办理过程：{steps}"
STATUS_NONE = "没有查到您的失业保险金申请。需要申请请回复「申请失业金」。"
STATUS_KNOWN_LOCALLY = (
    "您的失业保险金申请（编号{application_id}）已于{when}提交{last}。"
    "社保业务系统暂时连不上，现在查不到最新办理状态，请稍后再问；急事可拨打12333。"
)
STATUS_LAST_KNOWN = "，上次查到的状态是“{status}”"
STATUS_PENDING = (
    "您{when}填写的失业保险金申请已保存，社保业务系统恢复后会自动提交，"
    "提交成功后会把申请编号发给您。"
)

# -- the application ----------------------------------------------------------------------------
APPLY_NOT_ELIGIBLE = "{reason}\n按《失业保险条例》第十四条，{rule}因此现在不能申请失业保险金。"
RULE_MONTHS = "失业前所在单位和本人累计缴纳失业保险费满1年（12个月）才能领取，"
RULE_VOLUNTARY = "只有非本人意愿中断就业（如裁员、合同期满、被辞退）才能领取，"
RULE_OTHER = "需要满足缴费满1年、非本人意愿中断就业、已办理失业登记并有求职要求等条件，"
APPLY_DISAGREE = "如果您认为记录有误，可回复「转人工」，或携带材料到社保经办窗口核实。"
APPLY_ELIGIBLE = "{reason}\n下面开始填写申请，共5项，随时回复「取消」可退出。"
APPLY_OPEN_EXISTS = (
    "您已有一笔失业保险金申请（编号{application_id}）正在办理，无需重复申请。"
    "回复「失业金进度」可查看办理情况。"
)
APPLY_PENDING_EXISTS = (
    "您之前填写的失业保险金申请已保存，正在等待社保业务系统恢复后提交，无需重新填写。"
)
APPLY_VOLUNTEER = (
    "失业保险金需要本人申请：请协助群众用本人微信对我说「申请失业金」，或陪同到社保经办窗口办理。"
)

ASK_LEAVING_DATE = "第1/5项 离职日期：请输入与单位解除或终止劳动关系的日期（如 2026-10-31）。"
ASK_LEAVING_DATE_KNOWN = (
    "第1/5项 离职日期：单位报送的离职日期是{date}。"
    "正确请回复「是」，不对请直接输入日期（如 2026-10-31）。"
)
DATE_INVALID = "没有识别出日期，请按“2026-10-31”或“2026年10月31日”的格式输入离职日期。"
DATE_FUTURE = "离职日期不能晚于今天（{today}），请重新输入离职日期。"
DATE_TOO_EARLY = "离职日期太早了：失业保险金应在离职后及时申领，请核对后重新输入离职日期。"

ASK_REASON = "第2/5项 离职原因：请回复序号——\n{options}"
ASK_REASON_KNOWN = (
    "第2/5项 离职原因：单位报送的原因是“{reason}”。正确请回复「是」，不对请回复序号——\n{options}"
)
REASON_INVALID = "没有识别出离职原因，请回复1到7的序号。"
REASON_VOLUNTARY = (
    "“{reason}”不属于非本人意愿中断就业，按《失业保险条例》第十四条不能领取失业保险金。"
    "如果实际是单位裁员、合同到期不续签、被辞退或被迫离职，请回复对应的序号；否则回复「取消」。"
)

ASK_PAYMENT = (
    "第3/5项 领取账户：失业保险金发到哪里？回复「1」发到本人社保卡（社保卡金融账户），"
    "或直接输入本人的银行卡号。"
)
CARD_INVALID_LENGTH = (
    "银行卡号应为12到19位数字，您输入的是{length}位，请重新输入，或回复「1」改用社保卡。"
)
CARD_INVALID_CHECK = (
    "银行卡号校验不通过，可能有数字输错了，请核对后重新输入，或回复「1」改用社保卡。"
)
PAYMENT_INVALID = "请回复「1」使用社保卡，或输入12到19位的本人银行卡号。"

ASK_APPLY_PHONE = "第4/5项 联系电话：请输入您的手机号，经办机构审核时可能联系您。"

ASK_SEEKING_WORK = (
    "第5/5项 求职意愿：您现在是否有求职要求，愿意接受职业介绍和职业培训？请回复「是」或「否」。"
)
SEEKING_INVALID = "请回复「是」或「否」：您是否有求职要求？"
SEEKING_NO = (
    "按《失业保险条例》第十四条，"
    "领取失业保险金需要有求职要求（办理失业登记并愿意接受职业介绍和培训）。"
    "如果您愿意求职请回复「是」，否则回复「取消」。"
)

SUMMARY = (
    "请核对您的申请：\n"
    "1. 离职日期：{leaving_date}\n"
    "2. 离职原因：{reason}\n"
    "3. 领取账户：{account}\n"
    "4. 联系电话：{phone_masked}\n"
    "5. 求职意愿：{seeking}\n"
    "无误请回复「确认」提交；要修改请回复「修改」加序号（如「修改3」）；回复「取消」放弃。"
)
SUMMARY_INVALID = "请回复「确认」提交，回复「修改」加序号修改某一项，或回复「取消」放弃。"
ACCOUNT_CARD = "本人社保卡"
ACCOUNT_BANK = "银行卡 {number_masked}"
SEEKING_YES = "有求职要求"

SUBMITTED = (
    "申请已提交！申请编号：{application_id}。\n"
    "经办机构一般在受理后审核，办理进度有变化会通知您，也可以回复「失业金进度」查询。"
)
SUBMIT_PENDING = (
    "社保业务系统暂时连不上，您的申请已经保存，不用重新填写。"
    "系统恢复后会自动提交，提交成功后会把申请编号发给您；也可以稍后回复「失业金进度」查看。"
)
SUBMIT_REFUSED = "社保业务系统没有受理这笔申请：{message}"
ALREADY_SUBMITTED = (
    "您的申请已经提交（编号{application_id}），无需重复提交。回复「失业金进度」可查看办理情况。"
)

# -- notifications ------------------------------------------------------------------------------
NOTICE_TITLE = "失业保险金申请进度"
NOTICE_SUBMITTED = (
    "您的失业保险金申请已提交成功，申请编号：{application_id}。办理进度有变化会再通知您。"
)
NOTICE_REFUSED = "您保存的失业保险金申请没有被受理：{message}"
NOTICE_ACCEPTED = "您的失业保险金申请（编号{application_id}）已受理，正在审核。"
NOTICE_APPROVED = (
    "您的失业保险金申请（编号{application_id}）审核通过：核定领取{months}个月，每月{amount}元。"
)
NOTICE_FIRST_PAYMENT = "您的失业保险金（编号{application_id}）首月{amount}元已发放到{account}。"
NOTICE_REJECTED = (
    "您的失业保险金申请（编号{application_id}）未通过：{reason}"
    "如有疑问可回复「转人工」或拨打12333。"
)

# -- volunteers ---------------------------------------------------------------------------------
AUTH_CODE = (
    "您的授权码：{code}（{minutes}分钟内有效，只能用一次）。\n"
    "把它告诉为您办事的社保志愿者，志愿者输入后可在{hours}小时内代您查询：{scope}。"
    "志愿者不能代您提交申请或修改信息。回复「取消授权」可随时收回。"
)
AUTH_CODE_NEEDS_BINDING = "生成授权码前需要先实名绑定本人身份。\n"
AUTH_NOT_VOLUNTEER = (
    "授权码只能由社保部门登记的志愿者使用。如需成为志愿者，请联系当地社保经办机构。"
)
AUTH_BAD_CODE = "授权码不正确或已失效，请群众重新获取授权码（还可以再试{left}次）。"
AUTH_LOCKED = "授权码错误次数过多，已暂停使用，请在{until}之后再试。"
AUTH_GRANTED = (
    "已获得{name_masked}（{id_masked}）的授权，有效至{until}，可代查：{scope}。"
    "查询结束请回复「结束代查」。"
)
AUTH_ENDED = "已结束代查，{name_masked}的授权已失效。"
AUTH_NONE_ACTIVE = "您当前没有生效的代查授权。"
AUTH_REVOKED = "已收回您给志愿者的全部授权（{count}项）。"
AUTH_NOTHING_TO_REVOKE = "您当前没有给志愿者的授权。"
VOLUNTEER_NEEDS_AUTH = (
    "查询群众的个人社保信息需要本人授权：请群众用自己的微信对我说「授权码」，"
    "把收到的6位授权码告诉您，您再回复「授权 授权码」（如：授权 123456）。"
)
ACCESS_HEAD = "最近{n}次查看您个人社保信息的记录："
ACCESS_SELF = "您本人"
ACCESS_VOLUNTEER = "志愿者（微信尾号{tail}，凭您的授权）"
ACCESS_OUTCOMES = {
    "shown": "已查看",
    "refused": "超出授权，已拒绝",
    "refused_other_person": "已拒绝",
    "unavailable": "系统暂时连不上",
}
ACCESS_TAIL = "如有不认识的查询，请回复「取消授权」收回所有授权，或拨打12333。"
ACCESS_NONE = "还没有人查看过您的个人社保信息。"
VOLUNTEER_OTHER_PERSON = (
    "您现在的授权只能查询{name_masked}的信息，您问的是另一位群众，不能查询，也不会显示任何信息。"
    "请这位群众本人说「授权码」，把授权码告诉您后再查。"
)
VOLUNTEER_OUT_OF_SCOPE = "群众给您的授权不包括“{what}”，如需查询请群众重新授权。"
SCOPE_LABELS = {
    "contributions": "参保缴费",
    "pension": "养老金发放",
    "unemployment_status": "失业金申领进度",
}

# -- calc.unemployment_benefit for a bound citizen ---------------------------------------------
CALC_FROM_RECORD = (
    "按您的参保记录，失业保险累计缴费{months}个月。按{article}，"
    "最长可领{max_months}个月（全国统一规定）。"
)
CALC_FROM_RECORD_NONE = (
    "按您的参保记录，失业保险累计缴费{months}个月，不满1年（12个月），按{article}暂不符合领取条件。"
)
