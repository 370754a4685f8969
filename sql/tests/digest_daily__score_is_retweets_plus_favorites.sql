-- The score is retweets + favorites, and the order follows it.
with digest as (
    select
        *,
        lag(score) over (partition by listing_date order by rank) as previous_score
    from digest_daily
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
)

select * from digest
where score != retweets + favorites
    or score > previous_score
