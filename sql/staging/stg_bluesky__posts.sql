-- Bluesky posts linking arXiv, found by the engagement fetch of each listing date, one row per post and
-- fetch: typed, deduplicated. Partitioned by the listing date of the fetch.
with source as (
    select * from raw_bluesky__posts
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ranked as (
    select
        *,
        row_number() over (
            partition by listing_date, uri
            order by fetched_at desc
        ) as recency
    from source
),

final as (
    select
        cast(listing_date as date) as listing_date,
        uri,
        cid,
        author_did,
        author_handle,
        author_name,
        timezone('UTC', created_at) as created_at,
        text,
        lang,
        linked_urls,
        cited_arxiv_ids,
        cast(like_count as bigint) as like_count,
        cast(repost_count as bigint) as repost_count,
        cast(quote_count as bigint) as quote_count,
        cast(reply_count as bigint) as reply_count,
        timezone('UTC', fetched_at) as snapshot_at
    from ranked
    where recency = 1
)

select * from final
