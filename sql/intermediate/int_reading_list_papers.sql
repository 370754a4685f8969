-- The arXiv papers on any reading list, one row per paper: what the digests mark as already read.
-- A paper is the one an entry means (its link, or the paper its title identifies when they disagree).
with entries as (
    select * from int_reading_list_entries_resolved
    where paper_arxiv_id is not null
),

final as (
    select
        paper_arxiv_id as arxiv_id,
        list(distinct list_file order by list_file) as list_files,
        cast(count(*) as integer) as entry_count
    from entries
    group by paper_arxiv_id
)

select * from final
