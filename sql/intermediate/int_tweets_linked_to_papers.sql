-- One row per (tweet, cited arXiv id); listing_date is null when the paper is not in our listings.
with tweets as (
    select * from stg_x__tweets
),

papers as (
    select * from stg_arxiv__papers
),

citations as (
    select
        tweet_id,
        unnest(cited_arxiv_ids) as arxiv_id
    from tweets
),

final as (
    select
        citations.arxiv_id,
        papers.listing_date,
        tweets.tweet_id,
        tweets.author_id,
        tweets.author_name,
        tweets.author_handle,
        tweets.created_at,
        tweets.text,
        tweets.lang,
        tweets.retweet_count,
        tweets.like_count,
        tweets.retweet_count + tweets.like_count as score,
        tweets.snapshot_at
    from citations
    inner join tweets on tweets.tweet_id = citations.tweet_id
    left join papers on papers.arxiv_id = citations.arxiv_id
)

select * from final
