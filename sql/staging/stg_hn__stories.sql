-- Hacker News stories linking an arXiv paper, found by the engagement fetch of each listing date, one
-- row per story and fetch: typed, deduplicated. Partitioned by the listing date of the fetch.
with source as (
    select * from raw_hn__stories
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ranked as (
    select
        *,
        row_number() over (
            partition by listing_date, story_id
            order by fetched_at desc
        ) as recency
    from source
),

final as (
    select
        cast(listing_date as date) as listing_date,
        story_id,
        title,
        url,
        author,
        timezone('UTC', created_at) as created_at,
        cited_arxiv_ids,
        cast(points as bigint) as points,
        cast(comment_count as bigint) as comment_count,
        timezone('UTC', fetched_at) as snapshot_at
    from ranked
    where recency = 1
)

select * from final
