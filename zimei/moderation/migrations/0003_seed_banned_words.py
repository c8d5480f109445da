"""A fresh install's banned-word lexicon: a few dozen entries written for Zimei (gambling,
porn, fraud and fake-medicine advertising), in Simplified. Matching normalises the text to
Simplified first, so Traditional and mixed-script spellings are caught too. Editors change the
lexicon in the desk (词库); this migration only seeds it and never removes what they added."""

from django.db import migrations

# (word, category, action): "reject" for phrases that only an advert uses, "hold" for
# phrases an honest article may quote (an editor looks before it is published).
SEED = [
    # gambling
    ("网上赌场", "gambling", "hold"),
    ("在线赌场", "gambling", "hold"),
    ("博彩平台", "gambling", "reject"),
    ("百家乐平台", "gambling", "reject"),
    ("时时彩计划", "gambling", "reject"),
    ("六合彩开奖", "gambling", "hold"),
    ("赌球网站", "gambling", "reject"),
    ("真人荷官", "gambling", "reject"),
    ("下注返水", "gambling", "reject"),
    ("首存送彩金", "gambling", "reject"),
    ("线上娱乐城", "gambling", "reject"),
    ("菠菜平台", "gambling", "reject"),
    ("澳门葡京", "gambling", "hold"),
    # porn
    ("成人视频", "porn", "hold"),
    ("裸聊", "porn", "reject"),
    ("约炮", "porn", "reject"),
    ("一夜情", "porn", "hold"),
    ("色情网站", "porn", "hold"),
    ("黄色网站", "porn", "hold"),
    ("成人影片", "porn", "hold"),
    ("无码高清", "porn", "reject"),
    ("外围女", "porn", "reject"),
    ("同城约会", "porn", "hold"),
    ("av女优", "porn", "hold"),
    ("激情视频", "porn", "hold"),
    # fraud
    ("代开发票", "fraud", "reject"),
    ("刷单兼职", "fraud", "reject"),
    ("日赚千元", "fraud", "hold"),
    ("稳赚不赔", "fraud", "hold"),
    ("高额返利", "fraud", "hold"),
    ("信用卡套现", "fraud", "reject"),
    ("无抵押贷款", "fraud", "hold"),
    ("出售银行卡", "fraud", "reject"),
    ("办证刻章", "fraud", "reject"),
    ("手机窃听器", "fraud", "reject"),
    ("内部原始股", "fraud", "hold"),
    # fake-medicine advertising
    ("包治百病", "medicine", "reject"),
    ("根治糖尿病", "medicine", "hold"),
    ("祖传秘方", "medicine", "hold"),
    ("无效退款", "medicine", "hold"),
    ("三天见效", "medicine", "hold"),
    ("壮阳药", "medicine", "hold"),
    ("增大增粗", "medicine", "reject"),
    ("特效神药", "medicine", "hold"),
    ("癌症克星", "medicine", "hold"),
    # advertising
    ("加微信领取", "spam", "hold"),
    ("扫码进群领", "spam", "hold"),
]


def seed(apps, schema_editor):
    from zimei.moderation.normalize import normalise

    BannedWord = apps.get_model("moderation", "BannedWord")
    db = schema_editor.connection.alias  # the database being migrated
    for word, category, action in SEED:
        BannedWord.objects.using(db).get_or_create(
            word=normalise(word), defaults={"category": category, "action": action}
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_schema_issues_4_5")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
