-- The month's top papers: the digest papers of every listing date in one calendar month, ranked across those
-- dates by score, retweets, arXiv id. Not partitioned: rebuilt whole, which costs little (digest rows only).
with digest as (
    select * from digest_daily
),

bucketed as (
    select
        cast(date_trunc('month', listing_date) as date) as month_start,
        *
    from digest
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by month_start
            order by score desc, retweets desc, arxiv_id
        ) as integer) as month_rank
    from bucketed
),

final as (
    select
        month_start,
        month_rank as rank,
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
