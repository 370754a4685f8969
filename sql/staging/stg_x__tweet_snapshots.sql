-- Every engagement snapshot of every original tweet citing arXiv: one row per (fetch, tweet), from the
-- history that keeps each X fetch (stg_x__tweets keeps only the latest). Partitioned by the listing date of the fetch.
with source as (
    select * from raw_x__tweet_snapshots
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ranked as (
    select
        *,
        row_number() over (
            partition by listing_date, fetch_started_at, tweet_id
            order by fetched_at desc
        ) as recency
    from source
),

final as (
    select
        cast(listing_date as date) as listing_date,
        timezone('UTC', fetch_started_at) as fetch_started_at,
        tweet_id,
        author_id,
        cited_arxiv_ids,
        cast(retweet_count as bigint) as retweet_count,
        cast(like_count as bigint) as like_count,
        cast(reply_count as bigint) as reply_count,
        cast(quote_count as bigint) as quote_count,
        timezone('UTC', fetched_at) as snapshot_at
    from ranked
    where recency = 1
)

select * from final
