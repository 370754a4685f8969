-- Ranks run 1, 2, 3, ... with no gap and no repeat in each month, and follow the score.
with ranks as (
    select
        month_start,
        rank,
        arxiv_id,
        score,
        row_number() over (partition by month_start order by rank, arxiv_id) as expected,
        lag(score) over (partition by month_start order by rank, arxiv_id) as previous_score
    from digest_monthly
)

select * from ranks
where rank != expected
    or score > previous_score
