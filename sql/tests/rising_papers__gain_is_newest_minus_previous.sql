-- The gain is the newest snapshot minus the one before, it is positive, and it adds up by kind.
select
    listing_date,
    arxiv_id,
    score,
    previous_score,
    score_gained,
    retweets_gained,
    favorites_gained
from rising_papers
where (getvariable('listing_date') is null or listing_date = getvariable('listing_date'))
    and (
        score_gained != score - previous_score
        or score_gained != retweets_gained + favorites_gained
        or score_gained <= 0
        or previous_as_of > as_of
    )
