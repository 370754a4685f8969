-- Each reading-list entry resolved against arXiv: the paper its link resolves to and whether its title
-- matches the title as written, the entry an id linked twice in a list belongs to, and the paper the
-- entry means (paper_arxiv_id): the linked one when the title matches, else the one its title identifies.
with entries as (
    select * from stg_reading_list__entries
),

lookups as (
    select * from stg_arxiv__looked_up_papers
),

by_id as (
    select * from lookups
    where looked_up_by = 'id'
),

by_title as (
    select * from lookups
    where looked_up_by = 'title'
),

joined as (
    select
        entries.*,
        by_id.query is not null as checked,
        by_id.arxiv_id is not null as found,
        by_id.title as arxiv_title,
        by_id.title_similarity,
        coalesce(by_id.title_matches, false) as title_matches,
        by_title.arxiv_id as title_arxiv_id,
        by_title.title as title_arxiv_title,
        by_title.answered_by as title_answered_by,
        by_title.arxiv_id is not null
            and by_title.arxiv_id is distinct from entries.arxiv_id as title_names_other_paper
    from entries
    left join by_id
        on by_id.query = entries.arxiv_id
        and by_id.written_title = entries.title
    left join by_title
        on by_title.query = entries.title
),

-- An id linked by several entries of one list belongs to the first entry whose title matches its
-- paper, else to the first entry; the others are duplicates.
owned as (
    select
        *,
        case when arxiv_id is not null then first_value(number) over owners end as owner_number,
        case when arxiv_id is not null then first_value(line) over owners end as owner_line
    from joined
    window owners as (
        partition by list_file, arxiv_id
        order by title_matches desc, line
    )
),

final as (
    select
        list_file,
        line,
        number,
        title,
        link,
        link_well_formed,
        link_kind,
        links_pdf,
        note_chars,
        arxiv_id,
        checked,
        found,
        arxiv_title,
        title_similarity,
        title_matches,
        owner_line is not null and owner_line != line as duplicate_id,
        case when owner_line != line then owner_number end as duplicate_of,
        case when title_names_other_paper then title_arxiv_id end as suggested_arxiv_id,
        case when title_names_other_paper then title_arxiv_title end as suggested_title,
        case when title_names_other_paper then title_answered_by end as suggested_from,
        case
            when arxiv_id is not null and found and title_matches then arxiv_id
            when title_arxiv_id is not null then title_arxiv_id
            when arxiv_id is not null and not checked then arxiv_id
        end as paper_arxiv_id,
        parsed_at
    from owned
)

select * from final
