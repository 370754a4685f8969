-- Papers on Hugging Face Daily Papers found by the engagement fetch of each listing date, one row per
-- paper and fetch: typed, deduplicated. Partitioned by the listing date of the fetch.
with source as (
    select * from raw_hf__daily_papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ranked as (
    select
        *,
        row_number() over (
            partition by listing_date, arxiv_id
            order by fetched_at desc
        ) as recency
    from source
),

final as (
    select
        cast(listing_date as date) as listing_date,
        arxiv_id,
        cast(daily_date as date) as daily_date,
        title,
        submitted_by,
        submitted_by_name,
        timezone('UTC', submitted_at) as submitted_at,
        cast(upvotes as bigint) as upvotes,
        cast(comment_count as bigint) as comment_count,
        timezone('UTC', fetched_at) as snapshot_at
    from ranked
    where recency = 1
)

select * from final
