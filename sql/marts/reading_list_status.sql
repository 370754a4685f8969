-- Every reading-list entry checked against arXiv: ok, title mismatch, duplicate id, malformed link,
-- not arXiv, not found (or not checked yet), with the id its title identifies when that is another paper.
with entries as (
    select * from int_reading_list_entries_resolved
),

checked as (
    select
        *,
        case
            when not link_well_formed or link_kind in ('none', 'arxiv_other') then 'malformed link'
            when link_kind = 'other' then 'not arXiv'
            when not checked then 'not checked'
            when not found then 'not found'
            when duplicate_id then 'duplicate id'
            when not title_matches then 'title mismatch'
            else 'ok'
        end as status
    from entries
),

final as (
    select
        list_file,
        number,
        line,
        title,
        link,
        link_well_formed,
        links_pdf,
        arxiv_id as resolved_arxiv_id,
        arxiv_title,
        title_similarity,
        status,
        duplicate_of,
        suggested_arxiv_id,
        suggested_title,
        suggested_from,
        paper_arxiv_id,
        note_chars,
        parsed_at
    from checked
)

select * from final
