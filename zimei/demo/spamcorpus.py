"""A labelled corpus of spam and normal articles, written for Zimei, to measure the spam check.

`build_corpus(seed)` is deterministic (its own random.Random): the same seed gives the same
samples. It holds

- normal articles from the demo generator (demo/text.py): every channel, both scripts;
- hard normal cases that look a little like spam but are not (a casino film review, medical
  articles, an article with many legitimate links, list-heavy articles, a declared repost);
- spam in every class the check must catch, obfuscated variants included, and the pattern the
  reference page was compromised with (pornographic keywords in meaningless invisible tags
  ahead of the real page);
- `sources`: normal articles that must be published (by another author) before the corpus is
  checked, because the repost samples are near-copies of them.

Everything here is generated or written for the project; the keyword pools are ordinary
vocabulary of Chinese spam adverts, not copied from any list.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

from zimei.conversion.variants import HANT, convert

from .text import CHANNEL_SLUGS, plan_article

SPAM, NORMAL = "spam", "normal"


@dataclass(frozen=True)
class Sample:
    label: str  # SPAM | NORMAL
    kind: str  # the class: "banned", "hidden", … for spam; "generated", "hard_casino_film", … for normal
    title: str
    body_html: str
    summary: str = ""
    original: bool = True
    source: str = ""
    channel: str = "news"


@dataclass(frozen=True)
class Corpus:
    normal: list[Sample]
    spam: list[Sample]
    sources: list[Sample]  # publish these first (another author): the reposts copy them

    @property
    def samples(self) -> list[Sample]:
        return self.normal + self.spam


SPAM_KINDS = (
    "banned",
    "obfuscated",
    "stuffing_list",
    "stuffing_repeat",
    "hidden",
    "empty_tags",
    "links",
    "seedpage",
    "repost",
    "injection",
)

# --- vocabulary of spam adverts (written for the project) --------------------------------------
GAMBLING = (
    "博彩平台 百家乐平台 真人荷官 线上娱乐城 首存送彩金 下注返水 赌球网站 网上赌场 在线赌场 时时彩计划"
    " 菠菜平台 六合彩开奖"
).split()
PORN = "成人视频 裸聊 约炮 色情网站 激情视频 无码高清 外围女 同城约会 成人影片 黄色网站".split()
FRAUD = (
    "代开发票 刷单兼职 日赚千元 稳赚不赔 高额返利 信用卡套现 无抵押贷款 出售银行卡 办证刻章 内部原始股"
).split()
MEDICINE = "包治百病 根治糖尿病 祖传秘方 无效退款 三天见效 壮阳药 增大增粗 特效神药 癌症克星".split()
LEXICON_WORDS = GAMBLING + PORN + FRAUD + MEDICINE
# Advert words that are not in the lexicon: stuffing, hiding and link farms must be caught by
# their own rules, not by a banned word that happens to be there.
PRODUCT = (
    "低价手机 包邮 正品保障 特价 秒杀 清仓 优惠券 团购 折扣 爆款 新款上市 旗舰店 官网直营 批发 代理 招商加盟"
    " 厂家直销 限时抢购 免费试用 买一送一 减肥茶 面膜 祛痘 美白 丰胸 瘦身 补肾 养生茶 二手车 装修报价"
).split()
SITES = (
    "hao-yun888.example bet-win99.example fa-cai.example vip-club.example lucky777.example sale-now.example"
    " qq-9527.example"
).split()
AD_SENTENCES = [
    "{k1}，{k2}，现在注册立送大礼包，详情请加微信 {wx}。",
    "找{k1}？我们专业做{k2}十年，信誉第一，联系电话 {phone}。",
    "{k1}哪家强？认准 {site}，{k2}当天到账。",
    "最新{k1}入口：{site}，{k2}，保密安全。",
    "{k1}、{k2}一站式服务，新用户首单立减，名额有限。",
    "还在为钱发愁？{k1}，{k2}，动动手指就能赚。",
]
FILLER = [
    "今天给大家分享一个好消息。",
    "很多朋友问我怎么做到的，其实很简单。",
    "机会难得，错过就没有了。",
    "已经有上万人体验过，好评如潮。",
    "名额有限，先到先得。",
    "有需要的朋友抓紧时间。",
]


def _ad(rng: random.Random, pool: list[str], sentences: int) -> str:
    out = [rng.choice(FILLER)]
    for _ in range(sentences):
        k1, k2 = rng.sample(pool, 2)
        out.append(
            rng.choice(AD_SENTENCES).format(
                k1=k1,
                k2=k2,
                wx=f"vx{rng.randint(10000, 99999)}",
                phone=f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}",
                site=rng.choice(SITES),
            )
        )
    return "".join(out)


# --- obfuscations ---------------------------------------------------------------------------------
_PINYIN = {
    "博": "bo", "彩": "cai", "平": "ping", "台": "tai", "百": "bai", "家": "jia", "乐": "le", "真": "zhen",
    "人": "ren", "荷": "he", "官": "guan", "成": "cheng", "视": "shi", "频": "pin", "裸": "luo", "聊": "liao",
    "约": "yue", "炮": "pao", "代": "dai", "开": "kai", "发": "fa", "票": "piao", "刷": "shua", "单": "dan",
    "兼": "jian", "职": "zhi", "包": "bao", "治": "zhi", "病": "bing", "色": "se", "情": "qing", "网": "wang",
    "站": "zhan", "赌": "du", "球": "qiu", "祖": "zu", "传": "chuan", "秘": "mi", "方": "fang",
}  # fmt: skip
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х"}


def _zero_width(word: str, rng: random.Random) -> str:
    marks = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]
    return "".join(ch + rng.choice(marks) for ch in word[:-1]) + word[-1]


def _separators(word: str, rng: random.Random) -> str:
    sep = rng.choice([".", "|", " ", "-", "*", "/", "·", "，", "_", "～"])
    return sep.join(word)


def _pinyin(word: str, rng: random.Random) -> str:
    out = []
    for ch in word:
        out.append(ch)
        if ch in _PINYIN and rng.random() < 0.8:
            out.append(_PINYIN[ch])
    return "".join(out)


def _letters(word: str, rng: random.Random) -> str:
    return "".join(ch + rng.choice("abcdefghjkmnpqrstuvwxyz0123456789") for ch in word[:-1]) + word[-1]


def _pinyin_for(word: str, rng: random.Random) -> str:
    """Pinyin *instead of* a character (博cai平台): the normaliser does not undo this, so the
    corpus measures what that costs (docs/spam.md, known limits)."""
    k = next((i for i, ch in enumerate(word) if ch in _PINYIN), None)
    return word if k is None else word[:k] + _PINYIN[word[k]] + word[k + 1 :]


def _traditional(word: str, rng: random.Random) -> str:
    return convert(word, HANT)


def _mixed_script(word: str, rng: random.Random) -> str:
    hant = convert(word, HANT)
    return "".join(t if i % 2 else s for i, (s, t) in enumerate(zip(word, hant, strict=True)))


def _full_width(word: str, rng: random.Random) -> str:
    # Chinese has no full-width form: the separators become full-width, as do Latin letters.
    sep = rng.choice(["／", "．", "｜", "\u3000"])
    return sep.join(word)


def _full_width_latin(word: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


OBFUSCATIONS = {
    "zero_width": _zero_width,
    "separators": _separators,
    "pinyin": _pinyin,
    "letters": _letters,
    "traditional": _traditional,
    "mixed_script": _mixed_script,
    "full_width": _full_width,
}


# --- normal articles --------------------------------------------------------------------------------


def _generated(seed: int, index: int, namespace: str) -> Sample:
    plan = plan_article(seed, index, namespace=namespace)
    urls = [f"/media/img/corpus/{index}-{k}.png" for k in range(len(plan.images))]
    return Sample(
        NORMAL,
        "generated",
        plan.title,
        plan.body_html(urls),
        original=plan.original,
        source=plan.source,
        channel=plan.channel,
    )


def _paragraphs(*texts: str) -> str:
    return "".join(f"<p>{html.escape(t)}</p>" for t in texts)


def _hard_normal(rng: random.Random) -> list[Sample]:
    out = []
    films = ["《赌城风云》", "《最后一手》", "《金牌荷官》"]
    for film in films:
        body = _paragraphs(
            f"电影{film}讲述了一个在澳门赌场做荷官的年轻人，如何一步步被卷进一场骗局的故事。",
            "导演没有把赌场拍成纸醉金迷的天堂，而是用大量冷色调的镜头，拍出了赌徒们的焦虑和麻木。",
            "片中最精彩的一场戏，是主角在百家乐牌桌前识破老千的手法，整场戏几乎没有台词，全靠演员的眼神。",
            "有观众说这是一部劝人远离赌博的电影，这个评价并不夸张：每一个以为自己能赢的人，最后都输掉了更多。",
            "从类型片的角度看，它的节奏略显拖沓，后半段的反转也有迹可循，但演员的表演撑起了整部电影。",
            f"如果你喜欢犯罪题材，{film}值得一看；如果你期待的是爽快的赌神式逆袭，可能会失望。",
        )
        out.append(Sample(NORMAL, "hard_casino_film", f"{film}：赌场里没有赢家", body, channel="ent"))
    topics = [
        ("糖尿病", "糖尿病目前还无法根治，但通过饮食、运动和药物，大多数患者可以把血糖控制在理想范围。"),
        ("高血压", "高血压需要长期管理，擅自停药的风险很大，任何宣称能让人彻底停药的产品都值得警惕。"),
        ("失眠", "长期失眠的原因很多，先要排查作息、情绪和疾病因素，安眠药必须在医生指导下使用。"),
    ]
    for name, lead in topics:
        body = _paragraphs(
            lead,
            f"医生提醒，{name}患者最容易犯的错误，是轻信网上的偏方和所谓的特效产品。",
            "正规的治疗方案都有临床研究支持，疗效因人而异，不存在对所有人都有效的药物。",
            f"日常生活中，{name}患者应当定期复查，记录相关指标的变化，并及时和医生沟通。",
            "如果出现明显不适，应尽快到医院就诊，而不是自行加量或换药。",
            "家人的支持同样重要：规律的作息、清淡的饮食和适量的运动，对控制病情都有帮助。",
        )
        out.append(
            Sample(NORMAL, "hard_medical", f"关于{name}，医生最想纠正的五个误区", body, channel="news")
        )
    refs = [
        ("国家统计局年度数据", "https://data.stats.example.gov.cn/annual"),
        ("世界银行开放数据", "https://data.worldbank.example.org/"),
        ("某大学经济研究所报告", "https://econ.univ.example.edu.cn/report/2024"),
        ("行业协会白皮书", "https://www.association.example.org.cn/white-paper"),
        ("央行货币政策报告", "https://www.pbc.example.gov.cn/policy"),
        ("海关进出口统计", "https://stats.customs.example.gov.cn/"),
        ("证券交易所公告", "https://www.sse.example.com.cn/disclosure"),
        ("财经媒体的深度报道", "https://news.finance.example.com/deep/1"),
        ("研究机构的月度点评", "https://research.example.com/monthly"),
        ("地方政府的工作报告", "https://www.local.example.gov.cn/report"),
        ("国际货币基金组织展望", "https://www.imf.example.org/outlook"),
        ("统计年鉴电子版", "https://yearbook.example.gov.cn/2024"),
    ]
    for k in range(3):
        chosen = rng.sample(refs, 10 + k)
        items = "".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for t, u in chosen)
        body = (
            _paragraphs(
                "这篇文章梳理了今年宏观经济的几条主线：消费恢复、出口韧性和地方债务。",
                "消费方面，服务消费的恢复明显快于商品消费，旅游和餐饮的增速都超过了疫情前的水平。",
                "出口方面，对新兴市场的出口占比继续上升，机电产品和新能源产品是主要的增长来源。",
                "地方债务方面，化债工作稳步推进，但部分地区的财政压力依然不小，需要持续关注。",
                "下面列出本文引用的资料，方便读者查证和延伸阅读。",
            )
            + f"<h2>参考资料</h2><ul>{items}</ul>"
        )
        out.append(
            Sample(NORMAL, "hard_many_links", "今年经济的三条主线，以及我引用的资料", body, channel="money")
        )
    for k in range(3):
        cities = rng.sample(
            "北京 上海 广州 深圳 杭州 南京 成都 重庆 武汉 西安 苏州 天津 长沙 郑州 青岛".split(), 10 + k % 2
        )
        lists = "".join(
            "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in rng.sample(cities, 5)) + "</ul>"
            for _ in range(4)
        )
        body = (
            _paragraphs(
                "今年参加城市更新试点的城市有" + "、".join(cities) + "，每个城市的重点各不相同。",
                "下面按照交通、住房、公共服务和产业四个方面，分别列出表现最突出的城市。",
            )
            + lists
            + _paragraphs("需要说明的是，这份名单只反映了公开资料，不代表官方排名。")
        )
        out.append(
            Sample(NORMAL, "hard_lists", "城市更新试点：四张清单看懂各地的重点", body, channel="local")
        )
    return out


# --- spam ---------------------------------------------------------------------------------------------


def _article_text(seed: int, index: int) -> tuple[str, str, str]:
    """A normal article (title, body, channel) that spam is mixed into."""
    s = _generated(seed, index, "spamhost")
    return s.title, s.body_html, s.channel


def _spam(seed: int, rng: random.Random, per_kind: int, sources: list[Sample]) -> list[Sample]:
    out: list[Sample] = []
    pools = [GAMBLING, PORN, FRAUD, MEDICINE]

    for i in range(per_kind):  # banned words in plain adverts
        pool = pools[i % 4]
        body = _paragraphs(*(_ad(rng, pool, 2) for _ in range(rng.randint(1, 3))))
        out.append(Sample(SPAM, "banned", f"{rng.choice(pool)}，{rng.choice(FILLER)[:-1]}", body))

    names = list(OBFUSCATIONS)
    for i in range(per_kind):  # the same, every lexicon word obfuscated
        # Every 13th sample replaces a character by its pinyin, which nothing undoes.
        how = _pinyin_for if i % 13 == 12 else OBFUSCATIONS[names[i % len(names)]]
        pool = pools[i % 4]
        words = rng.sample(pool, 2)
        text = rng.choice(FILLER) + f"{how(words[0], rng)}，{how(words[1], rng)}，详情咨询客服。"
        if i % 5 == 0:  # a Latin word with a Cyrillic look-alike or in full width
            latin = "av女优" if i % 2 else "vip赌场"
            latin = (
                "".join(_CYRILLIC.get(c, c) for c in latin) if i % 10 == 0 else _full_width_latin(latin, rng)
            )
            text += f"另有{latin}资源。"
        title, host, channel = _article_text(seed, 1000 + i)
        body = _paragraphs(text) + host if i % 2 else _paragraphs(text, rng.choice(FILLER))
        out.append(Sample(SPAM, "obfuscated", title if i % 2 else "好消息：" + rng.choice(FILLER)[:-1], body))

    for i in range(per_kind):  # long runs of separated keywords under a normal-looking article
        n = rng.randint(14, 30)
        words = [rng.choice(PRODUCT) for _ in range(n)]
        sep = rng.choice(["，", "、", "|", ",", " | ", "/"])
        title, host, channel = _article_text(seed, 2000 + i)
        body = host + _paragraphs(sep.join(words)) if i % 2 else _paragraphs(sep.join(words)) + host
        out.append(Sample(SPAM, "stuffing_list", title, body, channel=channel))

    for _ in range(per_kind):  # one product term far above natural frequency
        term = rng.choice(PRODUCT)
        sentences = [
            f"{term}效果好，用了都说好。",
            f"买{term}就找我们，{term}全网最低价。",
            f"{term}{term}，今天下单送两份{term}。",
            f"为什么大家都选{term}？因为{term}真的有用。",
        ]
        text = "".join(rng.choice(sentences) for _ in range(rng.randint(8, 16)))
        out.append(Sample(SPAM, "stuffing_repeat", f"{term}，{term}，{term}", _paragraphs(text)))

    hide = [
        'style="display:none"', 'style="visibility:hidden"', 'style="font-size:0"', 'style="opacity:0"',
        'style="color:#fff"', 'style="color:#f5f5f5;background-color:#f5f5f5"', 'style="text-indent:-9999px"',
        'style="position:absolute;left:-5000px"', "hidden", 'style="height:0;overflow:hidden"', 'class="kw"',
        'style="font-size:1px"',
    ]  # fmt: skip
    for i in range(per_kind):  # keywords made invisible, next to a normal article
        how = hide[i % len(hide)]
        words = " ".join(rng.sample(PRODUCT, rng.randint(4, 8)))
        tag = rng.choice(["div", "span", "p", "font"])
        hidden = f"<{tag} {how}>{words}</{tag}>"
        if how == 'class="kw"':
            hidden = "<style>.kw{display:none}</style>" + hidden
        title, host, channel = _article_text(seed, 3000 + i)
        body = hidden + host if i % 2 else host + hidden
        out.append(Sample(SPAM, "hidden", title, body, channel=channel))

    for i in range(per_kind):  # text stuffed into meaningless tags
        words = " ".join(rng.sample(PRODUCT, rng.randint(4, 8)))
        tag = rng.choice(["xq", "kw", "abx", "zz9", "a"])
        title, host, channel = _article_text(seed, 4000 + i)
        body = f"<{tag}>{words}</{tag}>" + host
        out.append(Sample(SPAM, "empty_tags", title, body, channel=channel))

    for _ in range(per_kind):  # link farms
        n = rng.randint(12, 60)
        domains = rng.sample(SITES, rng.randint(1, 3))
        links = "".join(
            f'<p><a href="https://{rng.choice(domains)}/{rng.randint(1, 9999)}">{rng.choice(PRODUCT)}</a></p>'
            for _ in range(n)
        )
        intro = _paragraphs(rng.choice(FILLER) + "点击下面的链接了解详情。")
        out.append(Sample(SPAM, "links", f"{rng.choice(PRODUCT)}推荐合集", intro + links))

    for i in range(per_kind):  # the reference page's pattern: porn keywords in invisible nonsense tags
        words = rng.sample(PORN, rng.randint(4, 7))
        tags = "".join(
            f'<{t} style="{rng.choice(["display:none", "font-size:0"])}">{w}</{t}>'
            for w, t in zip(words, rng.choices(["dfn", "zmk", "abbr", "b", "q"], k=len(words)), strict=True)
        )
        title, host, channel = _article_text(seed, 5000 + i)
        out.append(Sample(SPAM, "seedpage", title, tags + host, channel=channel))

    for i in range(per_kind):  # reposts of published articles, declared original
        source = sources[i % len(sources)]
        body = source.body_html
        if i % 3 == 1:
            body = convert(body, HANT)  # the same text in the other script
        elif i % 3 == 2:
            body = body.replace("。", "！", 2).replace("，", ",", 3)  # re-punctuated
        title = source.title if i % 2 else source.title[:-1] + "！"
        out.append(Sample(SPAM, "repost", title, body, original=True, channel=source.channel))

    ads = "低价 包邮 正品 特价 秒杀 清仓 团购 折扣 爆款 新款 批发 代理".split()
    for i in range(per_kind):  # the scraped reference page's injection (issue 10): no hidden text
        tag_id = rng.choice(["hm_t", "vjs_ad", "c0", "sp"])
        shapes = [
            f'<cite id="{tag_id}"></cite>',
            f'<track id="{tag_id}">',
            f'<legend id="{tag_id}"></legend>',
            f'<li class="{tag_id}"></li>',
            f'<dfn id="{tag_id}"></dfn>',
        ]
        husks = "".join(rng.choice(shapes) for _ in range(rng.randint(2, 5)))
        words = rng.sample(PORN if i % 2 else ads, rng.randint(4, 9))
        if i % 4 >= 2:
            words = [_zero_width(w, rng) for w in words]
        title, host, channel = _article_text(seed, 6000 + i)
        out.append(Sample(SPAM, "injection", title, husks + "，".join(words) + host, channel=channel))
    return out


def build_corpus(seed: int = 5, *, normal: int = 230, per_kind: int = 26, sources: int = 26) -> Corpus:
    """The labelled corpus: `normal` generated articles plus the hard cases, `per_kind` spam
    samples of each class in SPAM_KINDS, and the `sources` the reposts copy."""
    rng = random.Random(f"zimei-spamcorpus:{seed}")
    srcs = [_generated(seed, i, "spamsource") for i in range(sources)]
    srcs = [Sample(NORMAL, "source", s.title, s.body_html, channel=s.channel) for s in srcs]
    normals = [_generated(seed, i, "spamnormal") for i in range(normal)]
    normals += _hard_normal(rng)
    # A declared repost of a source (original=False, with its source) is not spam.
    for i in range(3):
        s = srcs[-1 - i]
        normals.append(Sample(NORMAL, "hard_declared_repost", s.title, s.body_html, original=False,
                              source="某某日报", channel=s.channel))  # fmt: skip
    spam = _spam(seed, rng, per_kind, srcs)
    assert {s.channel for s in normals if s.kind == "generated"} >= set(CHANNEL_SLUGS) or normal < 11
    return Corpus(normals, spam, srcs)
