"""What a grounded answer says around its quotation (bot/grounded.py), in one place."""

from __future__ import annotations

QUOTE = "文件原文：“{quote}”"
CITATION = "——摘自{citation}（适用：{region}）"
DATED = "（这是{year}年的规定，现已不再执行，仅供了解当年情况。）"
OTHER_PLACE = "（这是{region}的文件，其他地区请以当地规定为准。）"
POINTER = "相关问答：{question}（回复「1」查看）"
