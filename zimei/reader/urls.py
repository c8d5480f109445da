from django.urls import path

from zimei.core.models import SitePage
from zimei.core.pagecache import public_page
from zimei.distribution import feeds

from . import comments, reports, views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.channel, name="channel"),
    path("a/<int:article_id>/", views.article, name="article"),
    path("a/<int:article_id>/report/", reports.report, name="report"),
    path("a/<int:article_id>/report/thanks/", reports.report_thanks, name="report-thanks"),
    # 跟帖, 顶, 点赞, 收藏 (reader/comments.py, docs/comments.md)
    path("a/<int:article_id>/comments/", comments.comments_page, name="comments"),
    path("a/<int:article_id>/comments/box/", comments.comments_box, name="comments-box"),
    path("a/<int:article_id>/comments/post/", comments.comment_post, name="comment-post"),
    path("a/<int:article_id>/like/", comments.article_like, name="article-like"),
    path("a/<int:article_id>/save/", comments.article_save, name="article-save"),
    path("comment/<int:comment_id>/vote/", comments.comment_vote, name="comment-vote"),
    path("comment/<int:comment_id>/delete/", comments.comment_delete, name="comment-delete"),
    path("comment/<int:comment_id>/report/", comments.comment_report, name="comment-report"),
    path("me/comments/", comments.my_comments, name="my-comments"),
    path("me/saved/", comments.my_saved, name="my-saved"),
    path("u/<int:creator_id>/", views.author, name="author"),
    path("u/<int:creator_id>/follow/", views.follow, name="follow"),
    path("search/", views.search, name="search"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("a11y/", views.a11y_toolbar, name="a11y-toolbar"),  # fetched by a11y.js (docs/care.md)
    # The footer's pages (core.models.SitePage): one URL name each, so purges can name them.
    *(path(f"{slug}/", views.site_page, {"slug": slug}, name=f"page-{slug}") for slug in SitePage.Slug),
    path("about/creator-levels/", views.creator_levels, name="creator-levels"),
    path("following/", views.following_page, name="following"),
    # RSS and Atom, site-wide, per channel, per author (zimei/distribution/feeds.py).
    path("feed/rss.xml", public_page(feeds.SiteRss()), name="feed-rss"),
    path("feed/atom.xml", public_page(feeds.SiteAtom()), name="feed-atom"),
    path("c/<slug:slug>/rss.xml", public_page(feeds.ChannelRss()), name="channel-rss"),
    path("c/<slug:slug>/atom.xml", public_page(feeds.ChannelAtom()), name="channel-atom"),
    path("u/<int:creator_id>/rss.xml", public_page(feeds.AuthorRss()), name="author-rss"),
    path("u/<int:creator_id>/atom.xml", public_page(feeds.AuthorAtom()), name="author-atom"),
]
