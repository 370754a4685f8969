-- Engagement per listed paper: each tweet's latest snapshot counted once; a tweet citing two papers counts for both.
with links as (
    select * from int_tweets_linked_to_papers
),

final as (
    select
        arxiv_id,
        listing_date,
        sum(retweet_count) as retweets,
        sum(like_count) as favorites,
        sum(score) as score,
        count(distinct tweet_id) as tweet_count,
        max(snapshot_at) as as_of
    from links
    where listing_date is not null
    group by arxiv_id, listing_date
)

select * from final
