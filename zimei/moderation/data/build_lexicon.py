"""Builds default_lexicon.tsv from konsheng/Sensitive-lexicon (MIT), keeping only the
categories a content platform's spam check needs (no political lists), and choosing an action.

    python zimei/moderation/data/build_lexicon.py /path/to/Sensitive-lexicon/Vocabulary > default_lexicon.tsv

Not run by Zimei: the TSV is committed, and the migration moderation/0004 loads it. The
selection is by category pattern over the upstream files, minus the ordinary and medical
words listed in ORDINARY (a news or health article must pass), then reviewed by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# Upstream files read: pornography lists, and the mixed lists filtered by category pattern.
# The political files (政治类型, 反动词库, GFW补充词库, 新思想启蒙, 贪腐词库, COVID-19词库)
# and the URL list (非法网址) are not read.
PORN_FILES = ["色情类型.txt", "色情词库.txt"]
MIXED_FILES = ["涉枪涉爆.txt", "广告类型.txt", "补充词库.txt", "其他词库.txt", "民生词库.txt",
               "零时-Tencent.txt", "网易前端过滤敏感词库.txt", "暴恐词库.txt"]  # fmt: skip

CATEGORIES = [
    (
        "drugs",
        r"冰毒|k粉|摇头丸|海洛因|大麻|可卡因|鸦片|麻古|毒品|氯胺酮|"
        r"甲基苯丙胺|三唑仑|迷药|迷幻药|迷奸药|催情|ghb|蒙汗药|"
        r"失身粉|听话水|麻黄素|迷魂药|安非他命|吗啡",
    ),
    (
        "gambling",
        r"赌|博彩|六合彩|时时彩|百家乐|老虎机|娱乐城|轮盘|投注|菠菜|"
        r"彩票预测|彩票软件|棋牌游戏作弊",
    ),
    (
        "weapons",
        r"枪|雷管|炸药|炸弹|手雷|弓弩|军刺|火药|子弹|弹药|军刀|匕首|"
        r"电击器|防身器",
    ),
    (
        "fraud",
        r"发票|套现|刷单|洗钱|假钞|假币|银行卡|信用卡|网赚|返利|贷款|"
        r"中奖|传销",
    ),
    (
        "illegal_service",
        r"办证|代考|替考|枪手|代孕|卖肾|肾源|侦探|窃听|监听|定位|"
        r"黑客|身份证|假证|文凭|证件|刻章|追债|讨债|卵子|器官|开锁|"
        r"改分|答案",
    ),
]
# A weapon word is kept only in a selling, making or modifying phrase (news names weapons).
WEAPON_TRADE = re.compile(
    r"卖|售|买|购|提供|直销|网|改装|改造|制|diy|教程|图纸|"
    r"配方|成分|合成|仿真|钢珠|气枪|汽枪|猎枪|电击器|弓弩|军刺|"
    r"哪里|专卖|批发|货到付款|迷魂"
)
# Only ads sell, supply or make these: such a phrase is refused, the rest held for an editor.
TRADE = re.compile(
    r"出售|供应|销售|订购|到货|出货|专卖|批发|代理|开户|制作|"
    r"制造|配方|技术|转让|买卖|价格|电话|qq|网址|购买|哪里买|"
    r"货到付款|包邮|送货|诚聘|招聘|官方网"
)
VULGAR = re.compile(
    r"逼|屄|肏|屌|鸡巴|鸡吧|几吧|jb|操你|操我|操死|淫水|"
    r"淫液|射精|内射|口爆|颜射|乱伦|兽交"
)
# Political, personal-name or nonsense lines the category patterns would catch.
EXCLUDE = re.compile(
    r"党|共产|政府|干部|主席|中共|法轮|六四|民主|革命|人民|国家|"
    r"中央|政治|习|江泽|胡锦|温家|警察|公安|军队|解放军|武警|"
    r"部队|官员|领导|维权|上访|示威|游行|镇压|[a-z]{12,}"
)
# Ordinary, medical and legal words a news, health or film article uses: not in the lexicon.
ORDINARY = set(
    """小穴 穴口 开发票 发票出 发票销 发票代 定位器 定位仪 性器官 手答案 级答案 考答案
    枪的制 枪械制 炸药制 狗卵子 替考试 理证件 文凭证 答案包 证件办 刻章办 博彩娱
    发生关系 性伴侣 性伙伴 精神药品 麻醉药 花花公子 爱女人 学生妹 寂寞女
    寂寞男 封面女郎 adult amateur anal incest
    morphine narcotic secom 男公关 张筱雨 阴间来电
    金鳞岂是池中物 金麟岂是池中物 全家死光 全家死绝 你妈的 真他妈 狗日的
    你麻痹 麻痹的 娘西皮 死全家 全家不得好死 操他妈 操你妈 别他吗 你他妈
    狗娘养 狗杂种 草你丫 草你吗 擦你妈 日你妈 干你妈 干你娘 大sb 你吗b
    婊子养的 操你全家 操你大爷 操你娘 操你祖宗 我日你 铃木麻 伦理大 伦理毛
    性感少 惹火身材 欲仙欲死 美女写真 爽死我了 hardcore 品香堂
    玉女心经
    乳房 肛门 丝袜 美腿 人妻 体位 舞女 色界 调教 后庭 推油 大波 乳沟
    全裸 龟头 阴道 阴茎 阴部 精液 胸推 买春 美少妇 奸情 妓女 强暴 凌辱
    性交 性欲 手淫 自慰 乳头 裤袜 荡妇 浪女 嫩女 情色 色色 肉欲 兽欲
    欲火 欲女 相奸 偷欢 夏川纯 奈美 松岛枫 汤加丽 杨思敏 仓井空 插进
    拔出来 按摩棒 好嫩 菊门 阴唇 阴核 阳具 性感妖娆 性感诱惑 前凸后翘 双臀
    熟女 熟妇 美乳 巨乳 爆乳 大乳 豪乳 漏乳 乳爆 玉乳 揉乳 摸胸 抓胸
    性技巧 性饥渴 色诱 丝诱 全裸 情趣用品 成人文学 风月大陆 少年阿宾 文做
    作爱 性奴 性虐 应召 援交 援助交际 包二奶 肉具 抽插 套弄 捏弄 酥痒
    叫床 浪叫 放尿 脚交 舔脚 食精 吃精 吸精 要射了 射爽 体奸 秘唇 阴阜
    g点 gay片 fuck 虎骑 性息 亚情 色区 色盟 色猫 男奴 厕奴 盗撮
    裹本 淫书 淫情 淫威 淫样 淫河 淫虫 赌博 赌具 赌马 赌球 老虎机 下注
    博彩 六合彩 时时彩 百家乐 轮盘赌 俄罗斯轮盘 彩票机 赌城浪子 吃喝嫖赌
    炸药 炸弹 手雷 子弹 弹药 军刀 匕首 火药 雷管 猎枪 手枪 步枪 气枪
    枪支 枪械 弓弩 军刺 冰毒 大麻 毒品 鸦片 吗啡 海洛因 可卡因 摇头丸
    麻黄素 三唑仑 安非他命 甲基苯丙胺 氯胺酮 k粉 迷药 发票 套现 刷单 洗钱
    假钞 假币 银行卡 信用卡 网赚 返利 贷款 中奖 传销 办证 代考 替考 枪手
    代孕 卖肾 肾源 侦探 私家侦探 窃听 监听 定位 黑客 身份证 假证 文凭
    证件 刻章 追债 讨债 卵子 器官 开锁 答案 新型毒品 说股票是毒品
    歌厅有毒品 珍惜毒品 毒品無罪 含有麻黄素的普通药品 大麻油 原子弹专家
    两颗原子弹日德投降 卫星遭黑客攻击 器官摘除 器官活摘 二十六年前的枪声
    千万别把枪用坏 中国人人手一枪 人体炸弹 人肉炸弹 公务用枪 免除别人的贷款
    发票要写七百万 十大奖项及中奖名单 赌博练头脑 赌博股市 以毫宅巨赌为荣
    劣等人种博彩 上半夜在赌 不是开赌场 一掷赌武林 赌博要赌到赤臂上阵
    吃喝嫖赌用损办法 吹拉嫖赌真能干 毒气赌具 轮盘赌安非他命 气枪迷魂药 手机定位
    卫星定位 gps定位 中奖了 信用卡还款 银行卡号 器官移植 器官捐献 中奖号码
    彩票中奖 发票查询""".split()
)  # fmt: skip


# A two-character word matches inside ordinary text (被插 in 被插电混动), so two-character
# pornography words are kept only when they are unambiguous.
EXPLICIT_PAIR = re.compile(r"[逼屄肏屌淫穴]")
EXPLICIT_PAIRS = set(
    """口交 肛交 乳交 群交 乱交 乱伦 颜射 内射 口爆 潮吹 潮喷 炮友 砲友 裸聊 裸陪 春药
    黄片 a片 g片 爽片 女优 招妓 鸡巴 鸡吧 几吧 肉棒 阴蒂 阴户 阴精 兽交 兽奸 人兽
    拳交 幼交 舔阴 爱液 蜜液 喷精 口淫 口射""".split()
)  # fmt: skip


def entries(folder: Path, names: list[str]):
    for name in names:
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
            word = line.strip().strip("*").strip().lower()
            if not word or " " in word or "\t" in word or not 2 <= len(word) <= 12:
                continue
            if not re.search(r"[\u4e00-\u9fff]", word) and len(word) < 3:
                continue
            if re.search(r"[^\w\u4e00-\u9fff]", word):  # punctuation: upstream noise
                continue
            yield word


def main(folder: Path) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for word in entries(folder, PORN_FILES):
        if word in ORDINARY or EXCLUDE.search(word):
            continue
        if len(word) == 2 and not (EXPLICIT_PAIR.search(word) or word in EXPLICIT_PAIRS):
            continue
        seen.setdefault(word, ("porn", "reject" if VULGAR.search(word) else "hold"))
    for word in entries(folder, MIXED_FILES):
        if word in ORDINARY or EXCLUDE.search(word) or word in seen:
            continue
        for category, pattern in CATEGORIES:
            if re.search(pattern, word):
                if category == "weapons" and not WEAPON_TRADE.search(word):
                    break
                seen[word] = (category, "reject" if TRADE.search(word) else "hold")
                break
    print("# word\tcategory\taction  (from konsheng/Sensitive-lexicon, MIT; see README.md)")
    for word, (category, action) in sorted(seen.items(), key=lambda kv: (kv[1][0], kv[0])):
        print(f"{word}\t{category}\t{action}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
