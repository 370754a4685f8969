-- Each rank appears once per listing date.
select
    listing_date,
    rank,
    count(*) as copies
from digest_daily
where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
group by listing_date, rank
having count(*) > 1
