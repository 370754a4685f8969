-- The tweets a digest embeds: each digest paper's most-engaged tweets scoring at least embed_min_score
-- (never a tweet of an ignored account).
with digest as (
    select * from digest_daily
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

links as (
    select * from int_tweets_linked_to_papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

ignored as (
    select * from int_engagement_linked_to_papers
    where (getvariable('listing_date') is null or listing_date = getvariable('listing_date'))
        and source = 'x'
        and ignored
),

settings as (
    select * from digest_settings
),

candidates as (
    select
        digest.listing_date,
        digest.arxiv_id,
        links.tweet_id,
        links.author_name,
        links.author_handle,
        links.created_at,
        links.text,
        links.lang,
        links.retweet_count as retweets,
        links.like_count as favorites,
        links.score,
        links.snapshot_at,
        row_number() over (
            partition by digest.listing_date, digest.arxiv_id
            order by links.score desc, links.retweet_count desc, links.tweet_id
        ) as tweet_rank
    from digest
    inner join links
        on links.arxiv_id = digest.arxiv_id
        and links.listing_date = digest.listing_date
    cross join settings
    where links.score >= settings.embed_min_score
        and links.tweet_id not in (select post_id from ignored)
),

final as (
    select
        candidates.listing_date,
        candidates.arxiv_id,
        cast(candidates.tweet_rank as integer) as tweet_rank,
        candidates.tweet_id,
        candidates.author_name,
        candidates.author_handle,
        candidates.created_at,
        candidates.text,
        candidates.lang,
        candidates.retweets,
        candidates.favorites,
        candidates.score,
        candidates.snapshot_at
    from candidates
    cross join settings
    where candidates.tweet_rank <= settings.embed_limit
)

select * from final
