-- Every cited arXiv id is a well-formed id without version: 2106.01548, 0704.0001, hep-th/9901001.
with cited as (
    select
        listing_date,
        tweet_id,
        unnest(cited_arxiv_ids) as arxiv_id
    from stg_x__tweets
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
)

select * from cited
where not regexp_full_match(arxiv_id, '(0[7-9]|1[0-4])(0[1-9]|1[0-2])\.[0-9]{4}|(1[5-9]|[2-9][0-9])(0[1-9]|1[0-2])\.[0-9]{5}|[a-z-]+/[0-9]{2}(0[1-9]|1[0-2])[0-9]{3}')
