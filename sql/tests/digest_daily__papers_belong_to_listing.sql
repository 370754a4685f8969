-- Every digest paper was announced on that listing date.
select
    digest.listing_date,
    digest.arxiv_id,
    papers.listing_date as listed_on
from digest_daily as digest
left join stg_arxiv__papers as papers
    on papers.arxiv_id = digest.arxiv_id
where (getvariable('listing_date') is null or digest.listing_date = getvariable('listing_date'))
    and (papers.listing_date is null or papers.listing_date != digest.listing_date)
