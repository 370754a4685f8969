-- A tweet counts once per paper it cites (its latest snapshot only).
select
    listing_date,
    arxiv_id,
    tweet_id,
    count(*) as copies
from int_tweets_linked_to_papers
where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
group by listing_date, arxiv_id, tweet_id
having count(*) > 1
