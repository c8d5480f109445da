"""The learned rule of the spam check (zimei/moderation/learned.py, `zimei spam train`): trained
on ChineseHarm-Bench items disjoint from the measured wild set (tests/data/spam_wild/train.jsonl,
SOURCES.md), then measured on the 400 wild items; trained from editors' real decisions made
through the services; with no model, the check is what it was.

Goals (docs/spam.md): >= 95% of the wild spam held or refused, <= 1% of the wild normal texts
held. Measured with the learned rule (2026-12-06, bench/spam.py): 178/200 spam and 4/200 normal
(2 by the rules alone, 2 more by the learned rule): neither goal is met; the figures are
asserted as a floor and a ceiling so that a regression fails. The threshold was chosen on the
training data only (held-out folds), not on these items."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, article_publish
from zimei.demo.spamwild import TRAIN, load
from zimei.moderation import learned
from zimei.moderation.management.commands.spam import Command
from zimei.moderation.services import article_review
from zimei.moderation.spam import HOLD, PUBLISH, RULE_CAP, spam_check

from .factories import BODY, CHIP_BODY, creator, editor, published_article

pytestmark = pytest.mark.django_db

LEARNED_WILD_SPAM_FLOOR = 178  # of 200 (the rules alone: 10); the goal is 190
LEARNED_WILD_NORMAL_CEILING = 4  # of 200 (the rules alone: 2); the goal is 2


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """A model trained on the disjoint training set, as `zimei spam train --from` trains it."""
    result = learned.train(learned.texts_of(learned.read_jsonl(TRAIN)))
    path = tmp_path_factory.mktemp("model") / "spam-model.json"
    learned.save(result.model, path)
    return {"path": path, "result": result}


@pytest.fixture
def model(settings, trained):
    settings.SPAM_MODEL_PATH = str(trained["path"])
    return learned.current()


@pytest.fixture
def no_model(settings, tmp_path):
    settings.SPAM_MODEL_PATH = str(tmp_path / "absent.json")


def verdict(body: str, title: str = ""):
    return spam_check(title=title, summary="", body_html_raw=body)


def test_the_training_set_shares_no_item_with_the_measured_set():
    train = learned.read_jsonl(TRAIN)
    measured = {s.text.strip() for s in load("spam") + load("normal")}
    assert not measured & {r["text"].strip() for r in train}
    sources = {json.loads(line)["source"] for line in TRAIN.read_text(encoding="utf-8").splitlines()}
    measured_sources = {s.source for s in load("spam") + load("normal")}
    assert not sources & measured_sources


def test_the_threshold_holds_at_most_one_percent_of_held_out_normal_texts(trained):
    result = trained["result"]
    assert result.false_holds <= 0.01 * result.held_out_normal
    assert result.recall > 0.8 and result.precision > 0.99


def test_trained_on_disjoint_items_the_check_holds_the_wild_spam(model):
    caught = sum(verdict(s.body_html).action != PUBLISH for s in load("spam"))
    assert caught >= LEARNED_WILD_SPAM_FLOOR, caught


def test_trained_on_disjoint_items_few_wild_normal_texts_are_held(model):
    held = [s.text[:40] for s in load("normal") if verdict(s.body_html).action != PUBLISH]
    assert len(held) <= LEARNED_WILD_NORMAL_CEILING, held


def test_the_reason_names_the_rule_and_it_holds_without_refusing(model):
    v = verdict("<p>金花牛牛玩吗</p>")
    assert v.action == HOLD and v.rules == {"learned"}
    (finding,) = v.findings
    assert finding.score <= RULE_CAP
    assert v.reasons[0].startswith("与编辑过去拒绝的内容相似（概率 ")
    assert verdict(BODY, title="芯片产业的下一步会怎样？").action == PUBLISH


def test_with_no_model_the_verdicts_are_the_rules_alone(no_model, trained, settings):
    samples = load("spam")[:40] + load("normal")[:20]
    before = [verdict(s.body_html) for s in samples]
    assert all("learned" not in v.rules for v in before)
    settings.SPAM_MODEL_PATH = str(trained["path"])
    after = [verdict(s.body_html) for s in samples]
    assert any("learned" in v.rules for v in after)
    for b, a in zip(before, after, strict=True):
        assert [f for f in a.findings if f.rule != "learned"] == list(b.findings)


def test_a_broken_model_file_is_ignored_by_the_check_and_named_by_show(settings, tmp_path):
    path = tmp_path / "spam-model.json"
    settings.SPAM_MODEL_PATH = str(path)
    path.write_text('{"format": 1, "prior": 0', encoding="utf-8")  # cut short
    assert verdict("<p>金花牛牛玩吗</p>").action == PUBLISH
    with pytest.raises(CommandError, match="cannot be used"):
        call_command("spam", "show", stdout=io.StringIO())


def test_scoring_without_counts_equals_the_counted_score(model):
    long = "".join(s.body_html for s in load("normal"))  # ~20,000 characters
    for body in [s.body_html for s in load("spam") + load("normal")] + [long]:
        text = learned.normalised_text(body_html=body)
        assert model.score_text(text) == pytest.approx(model.score(learned.features(text)))


def test_the_command_trains_from_a_file_shows_and_clears(settings, tmp_path):
    settings.SPAM_MODEL_PATH = str(tmp_path / "spam-model.json")
    rows = learned.read_jsonl(TRAIN)
    sample = rows[:300:3] + [r for r in rows if r["label"] == "normal"][:60]
    file = tmp_path / "decisions.jsonl"
    file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample), encoding="utf-8")
    out = io.StringIO()
    call_command("spam", "train", "--no-history", "--from", str(file), stdout=out)
    assert "100 spam, 60 normal" in out.getvalue() and "precision" in out.getvalue()
    show = io.StringIO()
    call_command("spam", "show", stdout=show)
    assert "decisions.jsonl: 100 spam, 60 normal" in show.getvalue()
    strict = io.StringIO()
    call_command(
        "spam",
        "train",
        "--no-history",
        "--from",
        str(file),
        "--max-false-holds",
        "0",
        "--dry-run",
        stdout=strict,
    )
    assert "0/60 normal held" in strict.getvalue() and "nothing saved" in strict.getvalue()
    call_command("spam", "clear", stdout=io.StringIO())
    assert learned.current() is None
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "maybe"}\n', encoding="utf-8")
    with pytest.raises(Exception, match="label must be"):
        call_command("spam", "train", "--no-history", "--from", str(bad), stdout=io.StringIO())


def test_the_command_has_help(capsys):
    parser = Command().create_parser("zimei", "spam")
    assert "train" in parser.format_help() and "show" in parser.format_help()
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["train", "--help"])
    assert exit_.value.code == 0
    assert "--from FILE.jsonl" in capsys.readouterr().out


def test_editor_decisions_train_the_model(settings, tmp_path):
    """Articles refused and taken down by an editor are spam; published ones normal; the
    check's own refusals are not learned from."""
    settings.SPAM_MODEL_PATH = str(tmp_path / "spam-model.json")
    boss = editor()
    newcomer = creator(trusted=False)
    spam_rows = [r["text"] for r in learned.read_jsonl(TRAIN) if r["label"] == "spam"]
    refused = 0
    for i, text in enumerate(spam_rows[:40]):
        a = article_create(
            author=newcomer,
            data=ArticleInput(title=f"投稿{i}", body_html=learned.plain_to_html(text), channel="tech"),
        )
        a = article_publish(article=a, actor=newcomer.user)
        if a.status == Article.Status.PENDING:  # held for review, not refused by the check
            article_review(article=a, actor=boss, decision="reject", reason="垃圾广告")
            refused += 1
        if refused == 6:
            break
    assert refused == 6
    writer = creator()
    normal = [
        published_article(writer, title=f"芯片笔记{i}", body=(BODY, CHIP_BODY)[i % 2]) for i in range(7)
    ]
    article_review(article=normal[0], actor=boss, decision="take_down", reason="广告")
    auto = article_create(  # refused by the check itself (a reject word): not an editor's decision
        author=writer,
        data=ArticleInput(title="开票", body_html="<p>代开发票，全国各地都可以开。</p>", channel="tech"),
    )
    assert article_publish(article=auto, actor=writer.user).status == Article.Status.REJECTED
    texts = learned.editor_decisions()
    assert sorted(s for _, s in texts) == [False] * 6 + [True] * 7
    out = io.StringIO()
    call_command("spam", "train", stdout=out)
    assert "editor decisions: 7 spam, 6 normal" in out.getvalue()
    assert learned.current().meta["counts"] == {"spam": 7, "normal": 6}
