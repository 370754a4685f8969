-- The week's top papers: the digest papers of every listing date in one week (Monday to Friday), ranked across
-- those dates by score, retweets, arXiv id. Not partitioned: rebuilt whole, which costs little (digest rows only).
with digest as (
    select * from digest_daily
),

bucketed as (
    select
        cast(date_trunc('week', listing_date) as date) as week_start,
        *
    from digest
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by week_start
            order by score desc, retweets desc, arxiv_id
        ) as integer) as week_rank
    from bucketed
),

final as (
    select
        week_start,
        week_rank as rank,
        listing_date,
        rank as daily_rank,
        arxiv_id,
        title,
        authors,
        primary_category,
        categories,
        retweets,
        favorites,
        score,
        tweet_count,
        as_of,
        on_reading_list
    from ranked
)

select * from final
