"""WeChat Official Account, in one package: what comes in and what goes out.

Inbound (``POST /wechat``): ``inbound`` (the blueprint: it only sequences the parts),
``protocol`` (signatures, safe XML, AES, wechatpy's typed messages, passive-reply shaping),
``replay`` (the timestamp window and nonce memory), ``handlers`` (what each message type,
event and menu click means), ``dedup`` (the retry ledger), ``responder`` (the engine under
WeChat's deadline) and ``texts`` (every Chinese string the webhook shows).

Outbound: ``outbound`` (``WeChatOutbound``, the one interface for what we send to WeChat —
customer-service texts, template and subscription messages, the access token, the menu — with
a wechatpy implementation and a recording one, chosen by ``WECHAT_OUTBOUND``; and ``Sender``,
which sends each ``ref`` at most once), ``token`` (one access_token for every worker) and
``menu`` (the custom menu and WeChat's limits on it).
"""
