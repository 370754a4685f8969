-- Every listed paper with its engagement, zero when nobody shared it: under the digest threshold too.
with papers as (
    select * from stg_arxiv__papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

engagement as (
    select * from int_paper_engagement_summed
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

final as (
    select
        papers.listing_date,
        papers.arxiv_id,
        papers.version,
        papers.title,
        papers.authors,
        papers.primary_category,
        papers.categories,
        papers.abstract,
        papers.published_at,
        cast(coalesce(engagement.retweets, 0) as bigint) as retweets,
        cast(coalesce(engagement.favorites, 0) as bigint) as favorites,
        cast(coalesce(engagement.score, 0) as bigint) as score,
        cast(coalesce(engagement.tweet_count, 0) as bigint) as tweet_count,
        engagement.as_of
    from papers
    left join engagement
        on engagement.arxiv_id = papers.arxiv_id
        and engagement.listing_date = papers.listing_date
)

select * from final
