-- Ranks run 1, 2, 3, ... with no gap and no repeat per listing date, and follow the score gained.
with ranks as (
    select
        listing_date,
        rank,
        arxiv_id,
        score_gained,
        row_number() over (partition by listing_date order by rank, arxiv_id) as expected,
        lag(score_gained) over (partition by listing_date order by rank, arxiv_id) as previous_gain
    from rising_papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
)

select * from ranks
where rank != expected
    or score_gained > previous_gain
