-- Papers still gaining: X engagement gained between a paper's two newest snapshots (the last two fetches
-- that saw its tweets), ranked by the score gained; a paper seen by one fetch only is not here yet.
with history as (
    select * from paper_engagement_history
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

papers as (
    select * from paper_engagement
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

newest_first as (
    select
        *,
        row_number() over (
            partition by listing_date, arxiv_id
            order by fetch_started_at desc
        ) as recency
    from history
),

latest as (
    select * from newest_first where recency = 1
),

previous as (
    select * from newest_first where recency = 2
),

gains as (
    select
        latest.listing_date,
        latest.arxiv_id,
        latest.score - previous.score as score_gained,
        latest.retweets - previous.retweets as retweets_gained,
        latest.favorites - previous.favorites as favorites_gained,
        latest.score,
        latest.retweets,
        latest.favorites,
        latest.tweet_count,
        previous.score as previous_score,
        latest.as_of,
        previous.as_of as previous_as_of,
        latest.snapshot_number as snapshots
    from latest
    inner join previous
        on previous.listing_date = latest.listing_date
        and previous.arxiv_id = latest.arxiv_id
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by listing_date
            order by score_gained desc, score desc, arxiv_id
        ) as integer) as rank
    from gains
    where score_gained > 0
),

final as (
    select
        ranked.listing_date,
        ranked.rank,
        ranked.arxiv_id,
        papers.title,
        papers.authors,
        papers.primary_category,
        papers.categories,
        ranked.score_gained,
        ranked.retweets_gained,
        ranked.favorites_gained,
        ranked.score,
        ranked.retweets,
        ranked.favorites,
        ranked.tweet_count,
        ranked.previous_score,
        ranked.as_of,
        ranked.previous_as_of,
        cast(date_diff('second', ranked.previous_as_of, ranked.as_of) / 3600.0 as double) as hours_between,
        ranked.snapshots
    from ranked
    inner join papers
        on papers.listing_date = ranked.listing_date
        and papers.arxiv_id = ranked.arxiv_id
)

select * from final
