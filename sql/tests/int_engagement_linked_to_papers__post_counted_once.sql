-- A post counts once per paper it cites (its latest snapshot only), whatever the source.
select
    listing_date,
    arxiv_id,
    source,
    post_id,
    count(*) as copies
from int_engagement_linked_to_papers
where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
group by listing_date, arxiv_id, source, post_id
having count(*) > 1
