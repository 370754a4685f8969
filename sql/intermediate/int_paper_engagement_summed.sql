-- Engagement per listed paper: each tweet's latest snapshot counted once; a tweet citing two papers counts for both.
with links as (
    select * from int_tweets_linked_to_papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

final as (
    select
        listing_date,
        arxiv_id,
        sum(retweet_count) as retweets,
        sum(like_count) as favorites,
        sum(score) as score,
        count(distinct tweet_id) as tweet_count,
        max(snapshot_at) as as_of
    from links
    group by listing_date, arxiv_id
)

select * from final
