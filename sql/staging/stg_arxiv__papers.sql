-- arXiv papers of each listing date, one row per paper: typed, deduplicated (the newest fetch wins).
-- Partitioned by listing_date: with the variable listing_date set, only that date is computed.
with source as (
    select * from raw_arxiv__papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ranked as (
    select
        *,
        row_number() over (
            partition by arxiv_id
            order by fetched_at desc, version desc, listing_date desc
        ) as recency
    from source
),

final as (
    select
        cast(listing_date as date) as listing_date,
        arxiv_id,
        cast(version as integer) as version,
        title,
        authors,
        abstract,
        primary_category,
        categories,
        timezone('UTC', published) as published_at,
        timezone('UTC', updated) as updated_at,
        comment,
        journal_ref,
        doi,
        timezone('UTC', fetched_at) as fetched_at
    from ranked
    where recency = 1
)

select * from final
