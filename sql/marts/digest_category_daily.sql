-- The daily digest per category: every category a qualifying paper is listed in, ranked within it.
with digest as (
    select * from digest_daily
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

by_category as (
    select
        unnest(categories) as category,
        *
    from digest
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by listing_date, category
            order by score desc, retweets desc, arxiv_id
        ) as integer) as category_rank
    from by_category
),

final as (
    select
        listing_date,
        category,
        category_rank as rank,
        rank as overall_rank,
        arxiv_id,
        title,
        authors,
        primary_category,
        categories,
        retweets,
        favorites,
        score,
        tweet_count,
        on_hf_daily_papers,
        hf_upvotes,
        hf_comments,
        hn_stories,
        hn_points,
        hn_comments,
        bluesky_posts,
        bluesky_likes,
        bluesky_reposts,
        bluesky_quotes,
        bluesky_replies,
        abstract,
        as_of,
        on_reading_list
    from ranked
)

select * from final
