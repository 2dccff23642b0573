"""Every Chinese string the Official Account webhook shows to users, in one place.

Staff and reviewers change the wording here without reading code. The texts handed to the
engine on a menu click are here too: they are what the citizen "says" by clicking.
"""

from __future__ import annotations

WELCOME = (
    "您好，欢迎关注！我是社保智能助手，可以帮您：\n"
    "1. 解答社保政策问题，例如“灵活就业人员怎么参加养老保险”；\n"
    "2. 实名绑定后，查询本人的社保缴费记录和养老金发放情况；\n"
    "3. 在线申请失业保险金，并随时查看办理进度；\n"
    "4. 遇到难题可回复“转人工”，由工作人员为您解答。\n"
    "直接发送文字或语音提问即可，也可以点击下方菜单。"
)

VOICE_NOT_RECOGNISED = (
    "抱歉，这条语音没能识别出文字。请您用文字输入问题，或者在安静的地方慢一点再说一遍。"
)

# Message types the bot cannot read yet: a polite text per type, and one for everything else.
UNSUPPORTED = {
    "image": "已收到您的图片。目前我只能看懂文字，请用文字描述您的问题，例如“失业金怎么领”。",
    "location": "已收到您的位置。如需查询附近的社保经办网点，请发送“经办网点 + 区县名称”。",
    "link": "已收到您分享的链接。我暂时无法打开链接，请把想咨询的问题用文字发给我。",
    "video": "已收到您的视频。目前我只能看懂文字，请用文字描述您的问题。",
    "shortvideo": "已收到您的小视频。目前我只能看懂文字，请用文字描述您的问题。",
    "file": (
        "已收到您的文件。我暂时无法查看文件，请用文字描述您的问题；如需提交材料，请回复“转人工”。"
    ),
}
UNSUPPORTED_DEFAULT = "抱歉，暂时无法处理这类消息。请用文字或语音向我提问，例如“社保断缴了怎么办”。"

ENGINE_ERROR = "抱歉，系统暂时出了点问题，请稍后再试，或回复“转人工”联系工作人员。"

# More messages from one user than the rate limit allows (RATE_LIMIT_PER_MINUTE, default 20).
RATE_LIMITED = "您发送消息太频繁了，请稍等一分钟再提问。如有急事，请拨打人社服务热线12333。"

# Appended when the last guard has to cut an answer that is still too long for WeChat.
TRUNCATED = "……（内容较长，未能全部显示。可回复“更多”继续阅读，或回复“转人工”咨询。）"

# The Official Account menu: button labels (top level at most 4 汉字, sub-buttons at most 8).
MENU_LABELS = {
    "policy": "政策问答",
    "my_shebao": "我的社保",
    "services": "办事服务",
    "apply_unemployment": "失业金申领",
    "human": "转人工",
}

# A menu click either says something to the engine on the citizen's behalf ...
CLICK_ASKS = {
    "MENU_MY_SHEBAO": "查我的社保",
    "MENU_APPLY_UNEMPLOYMENT": "我要申请失业金",
    "MENU_HUMAN": "转人工",
}
# ... or gets a fixed reply.
CLICK_REPLIES = {
    "MENU_POLICY": (
        "请直接输入您想了解的社保政策问题，例如：\n"
        "· 灵活就业人员怎么参加养老保险\n"
        "· 失业保险金能领多久\n"
        "· 社保卡丢了怎么补办\n"
        "也可以发送语音提问。"
    ),
}
CLICK_UNKNOWN = "这个菜单项暂时无法使用，请直接发送文字提问，或回复“转人工”。"
