-- Ranks run 1, 2, 3, ... with no gap.
with ranks as (
    select
        listing_date,
        rank,
        row_number() over (partition by listing_date order by rank) as expected
    from digest_daily
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
)

select * from ranks
where rank != expected
