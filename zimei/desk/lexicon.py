"""The banned-word lexicon in the editor desk (词库): list, add, change what a hit does,
delete. Editors only; each POST calls one moderation service (audited; the next spam check
in every process uses the new lexicon). Words are stored normalised and shown that way."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from zimei.moderation.models import BannedWord
from zimei.moderation.services import banned_word_add, banned_word_change, banned_word_delete

from .actions import DeskAction, DeskForm, DeskPage, Text

PER_PAGE = 100


class LexiconPage(DeskPage):
    template_name = "desk/lexicon.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        q = request.GET.get("q", "").strip()
        words = BannedWord.objects.all()
        if q:
            from zimei.moderation.normalize import normalise

            words = words.filter(Q(word__contains=normalise(q)) | Q(category__icontains=q))
        return {
            "page": Paginator(words, PER_PAGE).get_page(request.GET.get("page")),
            "q": q,
            "total": BannedWord.objects.count(),
            "actions": BannedWord.Action.choices,
        }

    @classmethod
    def show(cls, request: HttpRequest, errors=None, typed=None, status: int = 200, **kwargs) -> HttpResponse:
        return super().show(request, errors, typed or {"action": BannedWord.Action.HOLD}, status, **kwargs)


class WordForm(DeskForm):
    word = Text()
    category = Text()
    action = Text()


class LexiconAdd(DeskAction):
    form_class = WordForm

    def act(self, data: dict) -> str:
        banned = banned_word_add(actor=self.request.user, **data)
        return f"已加入词库：「{banned.word}」（{banned.get_action_display()}）"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(reverse("desk:lexicon"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        typed = {f: form.data.get(f, "") for f in WordForm.base_fields}
        return LexiconPage.show(self.request, errors=errors, typed=typed, status=400)


class WordChangeForm(DeskForm):
    action = Text()
    delete = Text()


class LexiconChange(DeskAction):
    form_class = WordChangeForm
    model = BannedWord

    def act(self, data: dict) -> str:
        banned = self.object
        if data["delete"]:
            banned_word_delete(actor=self.request.user, banned=banned)
            return f"已从词库删除：「{banned.word}」"
        # No category sent: the category stays as it is ("" clears it).
        category = self.request.POST.get("category")
        banned_word_change(actor=self.request.user, banned=banned, action=data["action"], category=category)
        return f"已修改：「{banned.word}」（{banned.get_action_display()}）"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(reverse("desk:lexicon"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        return LexiconPage.show(self.request, errors={"row": {self.object.id: errors}}, status=400)


lexicon = LexiconPage.as_view()
lexicon_add = LexiconAdd.as_view()
lexicon_change = LexiconChange.as_view()
