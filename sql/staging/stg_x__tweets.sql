-- Original tweets citing arXiv found by the engagement fetch of each listing date, one row per tweet
-- and fetch: typed, deduplicated. Partitioned by the listing date of the fetch.
with source as (
    select * from raw_x__tweets
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ranked as (
    select
        *,
        row_number() over (
            partition by listing_date, tweet_id
            order by fetched_at desc
        ) as recency
    from source
),

final as (
    select
        cast(listing_date as date) as listing_date,
        tweet_id,
        author_id,
        author_name,
        author_handle,
        timezone('UTC', created_at) as created_at,
        text,
        lang,
        expanded_urls,
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
