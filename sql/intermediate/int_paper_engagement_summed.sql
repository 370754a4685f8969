-- Engagement per listed paper shared anywhere, one row per (listing_date, arxiv_id): the figures of each
-- source and the combined score. Each post's latest snapshot counts once for every paper it cites (a
-- post citing two papers counts fully for both); posts of ignored accounts count nowhere.
-- score: per account (one source's handle or id), the sum of weight(source) × points of its posts,
-- capped at account_cap × the paper's score before capping; summed over accounts, rounded to a whole
-- number. With the default settings (weights 1, cap 1, no ignored account) an X-only paper's score is
-- retweets + favorites, as in the published posts.
with links as (
    select * from int_engagement_linked_to_papers
    where (getvariable('listing_date') is null or listing_date = getvariable('listing_date'))
        and not ignored
),

settings as (
    select * from digest_settings
),

weighted as (
    select
        links.*,
        links.points * case links.source
            when 'x' then settings.weight_x
            when 'hf' then settings.weight_hf
            when 'hn' then settings.weight_hn
            when 'bluesky' then settings.weight_bluesky
        end as weighted_points
    from links
    cross join settings
),

by_account as (
    select
        listing_date,
        arxiv_id,
        source,
        coalesce(nullif(account_id, ''), post_id) as account,
        sum(weighted_points) as account_points
    from weighted
    group by listing_date, arxiv_id, source, account
),

with_paper_total as (
    select
        *,
        sum(account_points) over (partition by listing_date, arxiv_id) as paper_points
    from by_account
),

scores as (
    select
        with_paper_total.listing_date,
        with_paper_total.arxiv_id,
        sum(with_paper_total.account_points) as score_before_cap,
        sum(least(with_paper_total.account_points, settings.account_cap * with_paper_total.paper_points)) as score
    from with_paper_total
    cross join settings
    group by with_paper_total.listing_date, with_paper_total.arxiv_id
),

figures as (
    select
        listing_date,
        arxiv_id,
        sum(reposts) filter (where source = 'x') as retweets,
        sum(likes) filter (where source = 'x') as favorites,
        count(distinct post_id) filter (where source = 'x') as tweet_count,
        count(*) filter (where source = 'hf') > 0 as on_hf_daily_papers,
        sum(likes) filter (where source = 'hf') as hf_upvotes,
        sum(comments) filter (where source = 'hf') as hf_comments,
        count(distinct post_id) filter (where source = 'hn') as hn_stories,
        sum(likes) filter (where source = 'hn') as hn_points,
        sum(comments) filter (where source = 'hn') as hn_comments,
        count(distinct post_id) filter (where source = 'bluesky') as bluesky_posts,
        sum(likes) filter (where source = 'bluesky') as bluesky_likes,
        sum(reposts) filter (where source = 'bluesky') as bluesky_reposts,
        sum(quotes) filter (where source = 'bluesky') as bluesky_quotes,
        sum(comments) filter (where source = 'bluesky') as bluesky_replies,
        max(snapshot_at) as as_of
    from links
    group by listing_date, arxiv_id
),

final as (
    select
        figures.listing_date,
        figures.arxiv_id,
        cast(coalesce(figures.retweets, 0) as bigint) as retweets,
        cast(coalesce(figures.favorites, 0) as bigint) as favorites,
        cast(round(scores.score) as bigint) as score,
        figures.tweet_count,
        figures.on_hf_daily_papers,
        cast(coalesce(figures.hf_upvotes, 0) as bigint) as hf_upvotes,
        cast(coalesce(figures.hf_comments, 0) as bigint) as hf_comments,
        figures.hn_stories,
        cast(coalesce(figures.hn_points, 0) as bigint) as hn_points,
        cast(coalesce(figures.hn_comments, 0) as bigint) as hn_comments,
        figures.bluesky_posts,
        cast(coalesce(figures.bluesky_likes, 0) as bigint) as bluesky_likes,
        cast(coalesce(figures.bluesky_reposts, 0) as bigint) as bluesky_reposts,
        cast(coalesce(figures.bluesky_quotes, 0) as bigint) as bluesky_quotes,
        cast(coalesce(figures.bluesky_replies, 0) as bigint) as bluesky_replies,
        cast(round(scores.score_before_cap) as bigint) as score_before_cap,
        figures.as_of
    from figures
    inner join scores
        on scores.listing_date = figures.listing_date
        and scores.arxiv_id = figures.arxiv_id
)

select * from final
