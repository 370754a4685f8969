-- arXiv's answers for reading-list entries: the paper an id resolves to (by id) or a written title
-- identifies (by title), with the similarity of its title to the title as written. One row per question.
with source as (
    select * from raw_arxiv__looked_up_papers
),

ranked as (
    select
        *,
        row_number() over (
            partition by looked_up_by, query, written_title
            order by fetched_at desc
        ) as recency
    from source
),

final as (
    select
        looked_up_by,
        query,
        written_title,
        answered_by,
        arxiv_id,
        cast(version as integer) as version,
        title,
        authors,
        primary_category,
        categories,
        timezone('UTC', published) as published_at,
        timezone('UTC', updated) as updated_at,
        title_similarity,
        coalesce(title_matches, false) as title_matches,
        timezone('UTC', fetched_at) as fetched_at
    from ranked
    where recency = 1
)

select * from final
