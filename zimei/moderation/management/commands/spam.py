"""`zimei spam train|show|clear`: the learned rule of the spam check (zimei/moderation/learned.py)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.moderation import learned


class Command(BaseCommand):
    help = (
        "The spam check's learned rule (docs/spam.md). `zimei spam train` trains a Naive Bayes "
        "model on your editors' decisions (articles refused or taken down = spam, published = "
        "normal) and optionally on labelled JSON lines, chooses its threshold on held-out "
        "decisions for at most 1% false holds, and saves it in the data folder; from then on "
        "the check holds what looks like what editors refused. `zimei spam show` prints the "
        "model's status; `zimei spam clear` removes it (the check goes back to the rules alone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        train = sub.add_parser(
            "train",
            help="train the model on the editors' decisions (and files) and save it",
            description=(
                "Train the learned rule. Spam: articles an editor rejected in review or took "
                "down (still refused); normal: published articles. The check's own automatic "
                "refusals are not learned from. Each text is read as the check reads it "
                "(normalised title, summary and body). The threshold is chosen by 5-fold "
                "cross-validation so that at most 1% (--max-false-holds) of the held-out normal "
                "texts are held; "
                "the counts, precision and recall on the held-out parts are printed, and the "
                "model (trained on everything) replaces the current one at once in every worker."
            ),
        )
        train.add_argument(
            "--from",
            dest="files",
            action="append",
            default=[],
            metavar="FILE.jsonl",
            help='also train on lines {"text": "...", "label": "spam"|"normal"} (repeatable)',
        )
        train.add_argument(
            "--no-history",
            action="store_true",
            help="leave out the platform's moderation history (train on the files only)",
        )
        train.add_argument(
            "--max-false-holds",
            type=float,
            default=100 * learned.MAX_FALSE_HOLDS,
            metavar="PERCENT",
            help="the share of held-out normal texts the threshold may hold (default: 1)",
        )
        train.add_argument("--dry-run", action="store_true", help="train and print the figures, save nothing")
        sub.add_parser(
            "show",
            help="print the model's status",
            description="Print whether a model is trained, when, on how much, and its held-out figures.",
        )
        sub.add_parser(
            "clear",
            help="remove the model (the check goes back to the rules alone)",
            description="Delete the trained model file; the learned rule then does nothing.",
        )

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _train(
        self, *, files: list[str], no_history: bool, dry_run: bool, max_false_holds: float, **options
    ) -> None:
        verbose = options["verbosity"] > 0
        if not 0 <= max_false_holds <= 50:
            raise CommandError(f"--max-false-holds is a percent between 0 and 50, not {max_false_holds}")
        started = time.monotonic()
        texts: list[tuple[str, bool]] = []
        sources: dict[str, dict[str, int]] = {}

        def add(name: str, part: list[tuple[str, bool]]) -> None:
            texts.extend(part)
            spam = sum(s for _, s in part)
            sources[name] = {"spam": spam, "normal": len(part) - spam}
            if verbose:
                self.stdout.write(f"{name}: {spam:,} spam, {len(part) - spam:,} normal")

        for file in files:
            if not Path(file).is_file():
                raise CommandError(f"no such file: {file}")
        if not no_history:
            add("editor decisions", learned.editor_decisions(progress=verbose))
        for file in files:
            path = Path(file)
            try:
                rows = learned.read_jsonl(path)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            add(path.name, learned.texts_of(rows))
        try:
            result = learned.train(
                texts, sources=sources, progress=verbose, max_false_holds=max_false_holds / 100
            )
        except ValueError as exc:
            raise CommandError(f"cannot train: {exc}") from None
        if verbose:
            self.stdout.write(
                f"Held out ({learned.FOLDS}-fold cross-validation), at the chosen threshold: "
                f"{result.true_holds:,}/{result.held_out_spam:,} spam held (recall {result.recall:.1%}), "
                f"{result.false_holds:,}/{result.held_out_normal:,} normal held, "
                f"precision {result.precision:.1%}"
            )
        if dry_run:
            if verbose:
                self.stdout.write("Dry run: nothing saved.")
            return
        path = learned.save(result.model)
        if verbose:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Saved {path} ({len(result.model['features']):,} features) "
                    f"in {time.monotonic() - started:.1f} s"
                )
            )

    def _show(self, **options) -> None:
        path = learned.model_path()
        if not path.exists():
            self.stdout.write(f"No model ({path} does not exist): the spam check uses its rules alone.")
            return
        try:
            model = learned.load(path)
        except (ValueError, OSError) as exc:
            raise CommandError(
                f"{path} cannot be used ({exc}); the spam check ignores it. "
                "Run `zimei spam train` again, or `zimei spam clear`."
            ) from None
        m = model.meta
        held = m.get("held_out", {})
        self.stdout.write(f"Model: {path}")
        self.stdout.write(f"Trained: {m.get('trained_at')}  ({m.get('kind')})")
        self.stdout.write(f"Training texts: {m['counts']['spam']:,} spam, {m['counts']['normal']:,} normal")
        for name, c in m.get("sources", {}).items():
            self.stdout.write(f"  {name}: {c['spam']:,} spam, {c['normal']:,} normal")
        self.stdout.write(f"Features: {m['n_features']:,}; threshold {model.threshold:.3f}")
        if held:
            self.stdout.write(
                f"Held out ({held['method']}): {held['true_holds']:,}/{held['spam']:,} spam held, "
                f"{held['false_holds']:,}/{held['normal']:,} normal held"
            )

    def _clear(self, **options) -> None:
        path = learned.model_path()
        if learned.clear(path):
            self.stdout.write(f"Removed {path}: the spam check uses its rules alone.")
        else:
            self.stdout.write(f"No model at {path}.")
