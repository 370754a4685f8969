-- One row per (listed paper, tweet citing it): the tweet's latest snapshot from any fetch that can
-- hold it (the paper's listing date and the 7 days after, which covers the engagement window).
with papers as (
    select * from stg_arxiv__papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

fetched as (
    select * from stg_x__tweets
    where getvariable('listing_date') is null
        or listing_date between cast(getvariable('listing_date') as date)
            and cast(getvariable('listing_date') as date) + 7
),

latest as (
    select *
    from fetched
    qualify row_number() over (
        partition by tweet_id
        order by snapshot_at desc, listing_date desc
    ) = 1
),

citations as (
    select
        tweet_id,
        unnest(cited_arxiv_ids) as arxiv_id
    from latest
),

final as (
    select
        papers.listing_date,
        citations.arxiv_id,
        latest.tweet_id,
        latest.author_id,
        latest.author_name,
        latest.author_handle,
        latest.created_at,
        latest.text,
        latest.lang,
        latest.retweet_count,
        latest.like_count,
        latest.retweet_count + latest.like_count as score,
        latest.snapshot_at
    from citations
    inner join latest on latest.tweet_id = citations.tweet_id
    inner join papers on papers.arxiv_id = citations.arxiv_id
)

select * from final
