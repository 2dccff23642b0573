"""Every Chinese string the staff console says from Python code, in one place.

Page wording lives in the templates (templates/admin/); what views flash, the names of roles,
statuses and outcomes, and the text a citizen receives with a staff reply live here, so staff
and reviewers can read and change the wording without reading code.
"""

from __future__ import annotations

ROLE_NAMES = {"editor": "编辑", "reviewer": "审核", "admin": "管理员"}
STATUS_NAMES = {"draft": "草稿", "review": "待审核", "published": "已发布", "archived": "已归档"}
OUTCOME_NAMES = {
    "answered": "已回答",
    "clarified": "追问澄清",
    "abstained": "未能回答",
    "handed_off": "转人工",
    "form": "办事表单",
    "error": "出错",
}
INTENT_NAMES = {
    "policy.faq": "政策咨询",
    "personal.contributions": "查缴费记录",
    "personal.pension": "查养老金",
    "personal.unemployment_status": "查失业金进度",
    "apply.unemployment": "申请失业金",
    "account.bind": "实名绑定",
    "calc.unemployment_benefit": "失业金测算",
    "handoff.human": "转人工",
    "report.fraud": "举报",
    "report.complaint": "服务投诉",
    "chitchat": "寒暄",
    "out_of_scope": "非社保问题",
}
#: An entry's fields (knowledge.curation.FIELDS), as the comparison page names them.
FIELD_NAMES = {
    "id": "条目编号",
    "topic": "主题",
    "question": "标准问题",
    "similar_questions": "其他问法",
    "answer": "答案",
    "region": "适用地区",
    "category": "分类",
    "keywords": "关键词",
    "source_title": "依据文件",
    "source_number": "文号",
    "source_date": "文件日期",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "status": "状态",
}
HANDOFF_STATUS_NAMES = {
    "open": "待回复",
    "answered": "已回复，待送达",
    "delivered": "已送达",
    "closed": "已关闭",
}
ACTION_NAMES = {
    "create": "新建",
    "edit": "修改",
    "submit": "提交审核",
    "publish": "发布",
    "archive": "归档",
    "import": "导入",
    "return": "退回修改",
}
RESTORE_ACTION = "恢复第{version}版"
#: Who changed an entry when it was not a member of staff in the console (web.display_name).
TOOL_ACTORS = {"system": "系统（随程序发布的内容）"}
TOOL_PREFIXES = {"console": "控制台导入（{name}）", "cli": "命令行导入（{name}）"}

# ── flashes ──────────────────────────────────────────────────────────────────────────────────
LOGIN_REQUIRED = "请先登录。"
LOGIN_FAILED = "用户名或密码不正确。"
LOGIN_LOCKED = "登录失败次数过多，请{minutes}分钟后再试。"
LOGGED_OUT = "已退出登录。"
SESSION_EXPIRED = "登录已过期，请重新登录。"
FORBIDDEN = "您的账号没有权限进行这项操作。"
NOT_FOUND = "没有这个页面，或者要找的内容已不存在。请检查地址，或从上方菜单进入。"
CSRF_FAILED = "页面已过期或表单无效（缺少安全校验码），请返回刷新页面后重试。"
PASSWORD_CHANGED = "密码已修改，请用新密码重新登录。"
PASSWORD_WRONG = "当前密码不正确。"
PASSWORD_TOO_SHORT = "密码至少需要{n}个字符。"

SAVED_DRAFT = "已保存为草稿。"
SAVED_PENDING = "已保存修改；已发布的内容在新版本发布前继续对外服务。"
SUBMITTED = "已提交审核，请另一位审核人员发布。"
PUBLISHED = "已发布，所有服务进程将在几秒内使用新内容答复。"
ARCHIVED = "已归档，机器人不再使用这条内容。"
RESTORED = "已把第{version}版的内容恢复为草稿，需审核后发布。"
NOTHING_CHANGED = "内容没有变化。"
RETURNED = "已退回修改，作者会在条目页面看到您的意见。"
RETURN_NEEDS_COMMENT = "退回修改需要填写意见，告诉作者要改什么。"
RETURN_NOT_IN_REVIEW = "这个条目没有待审核的修改，无需退回。"
CREATED = "已新建条目（草稿）。"
REVIEWER_IS_AUTHOR = (
    "四眼原则：您参与了这次修改（编写、恢复或提交），不能自己发布，请另一位审核人员发布。"
)
INVALID = "内容未通过校验，请按提示修改。"

QUEUE_DISMISSED = "已将{n}个问题标记为无需处理。"
QUEUE_ADDED = "已把{n}个问法加入条目「{entry}」，修改已提交审核。"
QUEUE_ADDED_DRAFT = "已把{n}个问法加入条目「{entry}」（草稿）。"
QUEUE_NOTHING_NEW = "这些问法条目里已经有了，无需添加。"
PICK_AN_ENTRY = "请先搜索并选择一个条目。"
NO_SUCH_ENTRY = "没有这个条目（可能已被删除），请重新搜索选择。"
PREFILLED_FROM_QUEUE = (
    "已用市民的{n}种问法预填：最常见的作为标准问题，其余{similar}个作为其他问法；"
    "发布前至少需要3个其他问法，请补全答案和依据。"
)
VOLUNTEER_BAD_KEY = "请填写志愿者的用户标识，如 wechat:微信openid。"
VOLUNTEER_GRANTED = "已设为社保志愿者。"
VOLUNTEER_ALREADY = "这位已经是社保志愿者。"
VOLUNTEER_REVOKED = "已取消志愿者身份，其代查授权同时失效。"
VOLUNTEER_NOT_ONE = "这位目前不是社保志愿者。"
DISPUTES_MISUNDERSTANDING = "已将{n}条反馈标记为市民误解。"
DISPUTES_EDITING = "已将{n}条反馈标记为修改条目处理，请在这里修改并提交审核。"
DISPUTES_ADDED = "已把{n}个问法加入条目「{entry}」，修改已提交审核；{closed}条反馈已处理。"
DISPUTE_KINDS = {"dispute": "对话中指出答错", "not_helpful": "小程序评为没帮助"}

HANDOFF_SENT = "答复已通过客服消息发送给对方。"
HANDOFF_KEPT = (
    "已超过微信48小时客服消息时限（或无法即时发送），答复已保存，对方下次发消息时会看到。"
)
HANDOFF_SEND_FAILED = "客服消息发送失败（{error}），答复已保存，对方下次发消息时会看到。"
HANDOFF_ALREADY = "这个转人工问题已经答复过了。"
HANDOFF_CLOSED = "已关闭。"
HANDOFF_CLAIMED = "已认领：这个问题由您处理，其他同事会看到。"
HANDOFF_RELEASED = "已放弃认领，其他同事可以接手。"
HANDOFF_TAKEN = "{name}已认领这个问题，正在处理；请勿重复答复。"
CHANNEL_NAMES = {"wechat": "公众号", "miniprogram": "小程序", "cli": "命令行"}
#: What the engine handed over (webhooks/admin/handoffs.py KINDS).
HANDOFF_KINDS = {"handoff": "转人工", "report": "举报", "complaint": "投诉"}
#: Whether a staff answer can go out now (webhooks/admin/handoffs.py send_state).
SEND_STATES = {
    "now": "48小时内，可即时发送",
    "window_passed": "已超过48小时，对方下次来信时送达",
    "channel": "此渠道不能主动发送，对方下次来信时送达",
}

IMPORT_PROBLEMS = "文件有{n}处问题，未导入任何内容。"
IMPORT_CHECKED = "检查通过：{n}个条目，没有问题（仅检查，未写入）。"
IMPORT_DONE = "导入完成：新建{created}个，更新{updated}个，未变{unchanged}个。"
IMPORT_SUPERSEDED = "以下条目在控制台里未发布的修改被本次导入覆盖：{ids}"
IMPORT_NO_FILE = "请选择要导入的文件。"
DOCUMENT_NO_FILE = "请选择要导入的文件。"
DOCUMENT_BAD_TYPE = "不支持的文件类型 {suffix}；请用 .txt、.docx 或 .pdf"
DOCUMENT_IMPORTED = "已导入《{title}》：{n}段原文，机器人几秒内即可引用。"

STAFF_CREATED = "已创建账号 {username}。"
STAFF_UPDATED = "已更新账号 {username}。"
STAFF_EXISTS = "用户名 {username} 已存在。"
STAFF_SELF = "不能停用或降级自己的账号。"

OUTBOX_REVIVED = "任务 {job_id} 已重新排队，几秒内会再次执行。"
OUTBOX_NOT_DEAD = "任务 {job_id} 不在失败列表里（可能已经重新排队）。"
#: Background job kinds (shebao/jobs.py), as staff read them.
JOB_KINDS = {
    "wechat.send_text": "发送客服消息",
    "applications.resend_pending": "重新提交失业金申请",
    "applications.notify_changes": "申请进度通知",
    "outbox.housekeeping": "清理过期记录",
}

# ── what the citizen or volunteer receives ───────────────────────────────────────────────────
#: A staff answer to a hand-off, sent as a customer-service message or shown on the next visit.
