-- Ranks run 1, 2, 3, ... with no gap and no repeat in each category of a week, and follow the score.
with ranks as (
    select
        week_start,
        category,
        rank,
        arxiv_id,
        score,
        row_number() over (partition by week_start, category order by rank, arxiv_id) as expected,
        lag(score) over (partition by week_start, category order by rank, arxiv_id) as previous_score
    from digest_category_weekly
)

select * from ranks
where rank != expected
    or score > previous_score
