-- Every listed paper's X engagement at each fetch that saw one of its tweets: one row per (paper, fetch).
-- Each tweet counts with its newest figures as of that fetch, so a paper's newest row is its engagement now.
with papers as (
    select
        listing_date,
        arxiv_id
    from stg_arxiv__papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

snapshots as (
    select * from stg_x__tweet_snapshots
    where getvariable('listing_date') is null
        or listing_date between cast(getvariable('listing_date') as date)
            and cast(getvariable('listing_date') as date) + 7
),

citations as (
    select
        listing_date as fetched_for,
        fetch_started_at,
        tweet_id,
        retweet_count,
        like_count,
        snapshot_at,
        unnest(cited_arxiv_ids) as arxiv_id
    from snapshots
),

observations as (
    select
        papers.listing_date,
        papers.arxiv_id,
        citations.tweet_id,
        citations.fetch_started_at,
        citations.snapshot_at,
        citations.retweet_count,
        citations.like_count
    from citations
    inner join papers
        on papers.arxiv_id = citations.arxiv_id
        and citations.fetched_for between papers.listing_date and papers.listing_date + 7
),

fetches as (
    select distinct
        listing_date,
        arxiv_id,
        fetch_started_at
    from observations
),

tweets_as_of_fetch as (
    select
        fetches.listing_date,
        fetches.arxiv_id,
        fetches.fetch_started_at,
        observations.tweet_id,
        observations.retweet_count,
        observations.like_count,
        observations.snapshot_at
    from fetches
    inner join observations
        on observations.listing_date = fetches.listing_date
        and observations.arxiv_id = fetches.arxiv_id
        and observations.fetch_started_at <= fetches.fetch_started_at
    qualify row_number() over (
        partition by fetches.listing_date, fetches.arxiv_id, fetches.fetch_started_at, observations.tweet_id
        order by observations.fetch_started_at desc, observations.snapshot_at desc
    ) = 1
),

summed as (
    select
        listing_date,
        arxiv_id,
        fetch_started_at,
        max(snapshot_at) as as_of,
        sum(retweet_count) as retweets,
        sum(like_count) as favorites,
        sum(retweet_count + like_count) as score,
        count(*) as tweet_count
    from tweets_as_of_fetch
    group by listing_date, arxiv_id, fetch_started_at
),

final as (
    select
        listing_date,
        arxiv_id,
        cast(row_number() over (
            partition by listing_date, arxiv_id
            order by fetch_started_at
        ) as integer) as snapshot_number,
        fetch_started_at,
        as_of,
        cast(retweets as bigint) as retweets,
        cast(favorites as bigint) as favorites,
        cast(score as bigint) as score,
        cast(tweet_count as bigint) as tweet_count
    from summed
)

select * from final
