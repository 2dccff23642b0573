"""Intent arbitration: the classifier's guess weighed against what retrieval found.

The classifier is trained on a few hundred utterances; retrieval knows every entry, and most
messages are policy questions. So a hesitant guess (below ``UNSURE_INTENT``) at anything else
gives way to a knowledge-base match (``MATCH_AT``; ``OUT_OF_SCOPE_MATCH_AT`` for out-of-scope
look-alikes), except where the text itself says what the citizen wants:

- **Own-record requests** keep their personal intent: looking something up about oneself or the
  person one asks for (帮我查…, 查一下我的…, 我的养老金到账了吗, 我的失业金申请到哪一步了).
  A personal guess for a story told in the first person that asks what the rule is (我爸今年
  六十了能领养老金吗, 我们村的老人认证怎么做), or with no one whose record it could be, is a
  policy question, however sure the classifier is.
- **Explicit requests** keep their intent: a person (转人工, 真人), a report (举报, 投诉), a
  benefit calculation with one's own case (我交了6年被辞退了…). A hesitant policy guess for
  我要举报 / 想投诉 is a report; which report depends on what is reported (``_report_kind``).
- 怎么申请失业金 without a 我 asks how to apply: policy, not the application form.

``policy_support`` is where the strength of the knowledge-base match comes from: the top
retrieval score, taken back when the semantic second opinion (knowledge/semantic.py) disagrees
with a match that is not sure on its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.thresholds import ANSWER_AT
from intents.taxonomy import (
    APPLY_UNEMPLOYMENT,
    CALC_UNEMPLOYMENT,
    CHITCHAT,
    HANDOFF,
    OUT_OF_SCOPE,
    PERSONAL,
    POLICY,
    REPORT_COMPLAINT,
    REPORT_FRAUD,
)

if TYPE_CHECKING:
    from intents.classifier import Prediction
    from knowledge.index import Hit

# A classifier guess below this is hesitant.
UNSURE_INTENT = 0.60
# A knowledge-base match at least this good beats a hesitant guess (the policy handler then
# answers, or lists the close entries).
MATCH_AT = 0.20
# Out-of-scope look-alikes share words with entries (养老院, 商业养老保险, 户口迁移材料), so a
# hesitant out-of-scope guess needs a better match than the others.
OUT_OF_SCOPE_MATCH_AT = 0.45
# A match this good beats even a confident chitchat / out-of-scope guess.
OVERRIDE_AT = 0.70

# -- what the text says --------------------------------------------------------------------------

# An explicit request to look something up: 帮我查, 查一下我, 查查我的, 看看我的, 调出我的 …
_LOOKUP = re.compile(
    r"帮.{0,4}(查|看|调|打印)|查(一下|一查|下|查)?(我|他|她|本人)|查询(我|他|她|本人)"
    r"|(看|看看|看一下|看下)(我|他|她)|调出|打印.{0,2}(我|本人)|(我|想|要)(查|查询)|查得到|查到"
)
# The state of one person's record or application: it has arrived, been paid, approved …
_STATE = re.compile(
    r"到账|到帐|到了没|到没|到了吗|发了没|发了吗|发没发|发下来|批了|批下来|批没批|审核(通过|结果|中)"
    r"|到哪一步|进度|有结果|有没有结果|扣了没|扣没扣|交上了|交上没|交了没|交没交|有没有(给我|帮我|在)交"
    r"|还没(到|发)|怎么(少了|没到|还没)|停发了|断没断|了没|成功没|过来没"
)
# Whose record: the asker's own (我的, 我社保, 我这个月的养老金 …) or a relative's (他的, 她的).
_RECORD = (
    r"(社保|养老金|退休金|退休工资|退休费|失业金|失业保险|养老保险|农保|医保|工伤保险|个人账户"
    r"|缴费|参保|申请|视同缴费)"
)
_MINE = re.compile(
    r"我的|我嘅|我份|我个|本人的|查询本人|本人(参保|缴费|社保)|我自己的|(他|她)的|给我交|帮我交"
    r"|(我|他|她)(领|交|申请|提交)的|(?<!们)(我|他|她)(这个月|上个月|今年|去年|现在|之前|已经|刚)?的?"
    + _RECORD
    + r"|(?<!们)我(?!们)[^的]{1,6}的"
    + _RECORD
)
# Telling one's situation and asking what the rule is.
_RULE = re.compile(
    r"能不能|能否|可不可以|可以吗|可以不|行不行|能吗|能.{1,8}吗|可以.{1,8}吗|还来得及|来不来得及"
    r"|怎么办|咋办|怎么弄|需要什么|要什么|有没有(补贴|政策|规定|办法|影响)|有什么(影响|补贴|待遇|政策)"
    r"|算不算|算工伤|符合.{0,8}条件|什么条件|要不要|用不用|还要.{0,8}吗|是不是要|要交多少|要交几"
    r"|怎么(算|申请|办理|领|交|参保|补)|如何|哪里(办|领|交|申请)|在哪(里|儿)?(办|领|交|申请|做)"
    r"|多少岁|几岁|规定|政策|比例|挂钩|最晚|最迟|期限|多久内|是真的吗|诈骗|骗子|是不是骗"
)
# A figure that is a rule's, not one person's (最低标准, 最高多少), once no record is named.
_RULE_FIGURE = re.compile(r"标准|最低|最高")
# Someone whose record it could be: 我 / 本人 / 自己 (not 我们: 我们村, 我们这儿 are places).
_SELF = re.compile(r"我(?!们)|俺|本人|自己|咱(?!们)|帮.{0,2}查|查.{0,2}下")
# The asker introducing a question (我想问一下, 我想了解, 我问下): the 我 of asking, not a record's.
_ASKING = re.compile(r"(我|俺)(想|要|就)?(问|请问|咨询|了解|知道)(一下|下|问)?")
# How something is done (怎么申请失业金 asks how to apply; 我要申请失业金 applies).
_HOW = re.compile(r"怎么|怎样|如何|在哪|哪里|流程|步骤|什么条件|要什么|需要什么|材料")
# An explicit ask for a person, or to report.
_WANTS_PERSON = re.compile(r"转人工|人工|真人|工作人员|客服|活人")
_REPORTS = re.compile(r"举报|投诉|检举|反映|曝光")
# Saying so: 我要举报, 想投诉一下, 要反映 (not 去哪里投诉, a question about where to go).
_WANTS_TO_REPORT = re.compile(r"(要|想)(实名|匿名)?(举报|投诉|检举|反映)")
# Which report: fraud on the fund and bribes (冒领, 骗保, 好处费 …) are 举报 whatever the verb;
# attitude, 推诿, delays and employers not paying are 投诉 whatever the verb.
_FRAUD = re.compile(
    r"冒领|冒名|冒充|冒用|盗用|骗|伪造|假(材料|证明|工伤|离婚)|虚报|虚构|套取|挪用|贪污|受贿|行贿"
    r"|好处费|回扣|红包|吃拿卡要|塞钱|私下收|收了?钱(才|帮|办)|死人|去世.{0,12}(还在|继续)领"
)
_SERVICE = re.compile(
    r"态度|推诿|推来推去|踢皮球|推脱|拖拉|拖了|太慢|办事慢|排队|插队|不理|刁难|打不通|没人接|占线"
    r"|不(给|帮)(我们?|员工|工人)?(交|缴|买)|没(给|帮)(我们?|员工|工人)?(交|缴|买)|欠缴|拖欠|少交|克扣"
)
# A case of losing one's job, for the benefit calculation.
_UNEMPLOYED = re.compile(
    r"失业了|我失业|被辞|辞退|辞了|裁员|被裁|解除合同|开除|炒了|离职|没工作|下岗|倒闭|不续签"
)
# A duration of contributions or work (交了6年, 做了两年多, 缴满十二年), not a calendar year
# (2023年) or a rate (一个月多少钱).
_DURATION = re.compile(
    r"(交|缴|缴费|供|干|做|工作|上班|参保|打工)[了满够差不多有近快将大概约]{0,4}"
    r"(\d{1,2}(\.\d)?|[一二两三四五六七八九十几半]+)多?(年|个月|个多月)"
)
# Figures of one's own case: a wage, a sum in 元.
_OWN_FIGURES = re.compile(r"\d{3,6}(元|块)|工资")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_GREETING = re.compile(r"^(hi|hello|hey|ok|okay|thanks|thank ?you|bye|good|nice)+$")


def asks_own_record(text: str) -> bool:
    """Whether ``text`` asks to look something up in the asker's (or their relative's) record
    or application, rather than asking what the rule is."""
    if _LOOKUP.search(text) or _STATE.search(text):
        return True
    return bool(_MINE.search(text) and not _RULE.search(text))


def asks_rule(text: str) -> bool:
    """Whether ``text`` asks what the rule is (能不能, 怎么办, 需要什么, 算不算 …)."""
    return bool(_RULE.search(text))


# -- the decision --------------------------------------------------------------------------------


def policy_support(hits: list[Hit], agrees: bool | None = None) -> float:
    """How strongly the knowledge base supports reading the message as a policy question: the
    top retrieval score, unless the second opinion disagrees with a match short of sure (a
    grey-zone match it disagrees with was right about one time in five)."""
    if not hits:
        return 0.0
    top = hits[0].score
    return 0.0 if agrees is False and top < SURE_MATCH else top


SURE_MATCH = ANSWER_AT  # bot/policy.py answers from here without a second opinion


def arbitrate(prediction: Prediction, text: str, support: float) -> str:
    """The intent to act on, given the classifier's ``prediction`` for the normalised ``text``
    and the knowledge base's ``support`` for a policy reading (see ``policy_support``)."""
    return _report_kind(_arbitrate(prediction, text, support), text)


def _arbitrate(prediction: Prediction, text: str, support: float) -> str:
    """The rules of the module docstring, in order."""
    intent, hesitant = prediction.intent, prediction.confidence < UNSURE_INTENT
    if intent == POLICY:
        return _reported(prediction, text) if hesitant else POLICY
    own_record = asks_own_record(_ASKING.sub("", text))
    matched = support >= (OUT_OF_SCOPE_MATCH_AT if intent == OUT_OF_SCOPE else MATCH_AT)
    if intent in PERSONAL:
        if own_record:
            return intent
        # A rule question, or no one whose record it could be (茂名企业退休人员养老金多少).
        someone = _SELF.search(_ASKING.sub("", text))  # 我想问一下… asks; it names no record
        if asks_rule(text) or _RULE_FIGURE.search(text) or not someone or (hesitant and matched):
            return POLICY
        return intent
    if intent == APPLY_UNEMPLOYMENT and _HOW.search(text) and not _SELF.search(text):
        return POLICY
    if intent in (CHITCHAT, OUT_OF_SCOPE) and support >= OVERRIDE_AT:
        return POLICY
    if hesitant and matched and not own_record and not _explicit(intent, text):
        return POLICY
    if intent == CALC_UNEMPLOYMENT and not (_SELF.search(text) or _DURATION.search(text)):
        return POLICY
    if intent == CHITCHAT and not _HAN.search(text) and not _LATIN_GREETING.match(text):
        return OUT_OF_SCOPE
    return intent


def _explicit(intent: str, text: str) -> bool:
    """The citizen said in so many words what they want: a person, to report, or how much
    失业金 their own case would bring."""
    if intent == HANDOFF:
        return bool(_WANTS_PERSON.search(text))
    if intent in (REPORT_FRAUD, REPORT_COMPLAINT):
        return bool(_REPORTS.search(text))
    if intent == CALC_UNEMPLOYMENT:  # two of: 我, years paid, lost the job, own figures
        signals = (_SELF, _DURATION, _UNEMPLOYED, _OWN_FIGURES)
        return sum(1 for signal in signals if signal.search(text)) >= 2
    return False


def _reported(prediction: Prediction, text: str) -> str:
    """A hesitant policy guess for a message that says 我要举报 / 想投诉 is a report: the more
    likely of the two report intents."""
    if not _WANTS_TO_REPORT.search(text):
        return POLICY
    scores = prediction.scores
    return max((REPORT_FRAUD, REPORT_COMPLAINT), key=lambda i: scores.get(i, 0.0))


def _report_kind(intent: str, text: str) -> str:
    """举报 or 投诉 by what is reported, not by the verb the citizen used."""
    if intent == REPORT_COMPLAINT and _FRAUD.search(text):
        return REPORT_FRAUD
    if intent == REPORT_FRAUD and _SERVICE.search(text) and not _FRAUD.search(text):
        return REPORT_COMPLAINT
    return intent
