// Migrations, numbered and append-only: never edit one that has landed; add the next number.
import Fluent

func registerMigrations(_ migrations: Migrations) {
    migrations.add(CreateUnits())     // 0001: admin_units, unit_links, unit_successions
    migrations.add(CreateRegistry())  // 0002: households, residents
    migrations.add(CreateAccounts())  // 0003: people, role_grants, api_tokens
    migrations.add(SessionRecord.migration)  // 0003: _fluent_sessions (Vapor's database-backed sessions)
    migrations.add(CreateAudit())     // 0004: audit_events, append-only
    migrations.add(CreateConsents())  // 0005: consents
    migrations.add(AddHouseholdSignIn())  // 0006: households.card_token_hash, pin_phone, pin_hash…
    migrations.add(CreateMessaging())  // 0007: announcements, deliveries, channel deliveries, push subscriptions, settings, jobs
    migrations.add(CreateProcedures())  // 0008: procedures, qr_boards, scans, questions, slots, appointments, papers, dossiers
    migrations.add(CreateSecurity())  // 0009: sessions, rate_counters; _fluent_sessions dropped
    migrations.add(AnonymousLimits())  // 0010: procedure_scan_counts (procedure_scans dropped), phone_confirmations, phone_confirmed_at
    migrations.add(AddAuditRedactionAndHookEvents())  // 0011: audit_events.redacted_at and its trigger; hook_events
    migrations.add(CreateUnitClosure())  // 0012: unit_closure (ancestor, descendant, depth, period, current)
    migrations.add(CreateOutreach())  // 0013: digital_teams, team_members, visits, household_profiles, trainings, training_units, training_attendance
    migrations.add(CreateHouseholdOutreach())  // 0014: household_outreach (the overview's row per household), visit_months (its member table)
    migrations.add(CreateAssets())  // 0015: campaigns, assets, asset_faults
    migrations.add(CreateAssetHistory())  // 0016: asset_status_changes, asset_maintenance; mirror assets of existing QR boards
    migrations.add(CreateLedger())  // 0017: ledger_entries (contributions, expenses, reversals; append-only), expense_assets
    migrations.add(CreateFeedbackReports())  // 0018: feedback_reports, feedback_report_photos, feedback_report_events
    migrations.add(CreateMarket())  // 0019: producers, producer_accounts, products, product_certifications, batches, batch_steps
    migrations.add(CreateAssetMapVersions())  // 0020: asset_map_versions, moved on by triggers on assets, asset_faults, unit_closure
    migrations.add(CreateOutreachPlaceSums())  // 0021: outreach_place_sums (the overview's sums per place), household_outreach.profile_as_of / profile_created_at
    migrations.add(AddBatchStepKinds())  // 0022: batch_steps.kind (inputs, field, feed, processing, other)
    migrations.add(CreateCriteria())  // 0023: criteria_sets (the starter set SV-01…SV-14 seeded), criteria, criterion_values
    migrations.add(CreateAssetMapChanges())  // 0024: asset_map_changes (PostgreSQL: the map's version without a shared row), statement triggers on assets, asset_faults, unit_closure
    migrations.add(CreateLedgerSums())  // 0025: ledger_sums (a campaign's sums per kind, kept by a trigger on ledger_entries)
    migrations.add(CreateProductPhotos())  // 0026: product_photos (a product's photos, checked by content, files under UPLOADS_DIR/products)
    migrations.add(AddCriteriaSetIncludes())  // 0027: criteria_set_includes (sets that include other sets), the shipped commune digital-transformation set XA-CDS seeded
    migrations.add(CreateCriteriaSnapshots())  // 0028: criteria_snapshots (a unit, set and month), criteria_snapshot_values (each criterion with its definition copied)
    migrations.add(CreateMarketVersions())  // 0029: market_versions, market_changes: the traceability pages' data version, moved on by triggers on batches, batch_steps, products, product_certifications, producers, admin_units.name
    migrations.add(CreateCriteriaDashboards())  // 0030: criteria_dashboards (a unit's evaluation of today counted ahead, CRITERIA_PRECOMPUTE), indexes the measures need
    migrations.add(AddTrainingAttendanceResidentIndex())  // 0031: training_attendance (resident_id), for the residents.trained measure
    migrations.add(AddLedgerSumsEdits())  // 0032: ledger_sums.edits (entries changed in place, by an UPDATE trigger on ledger_entries): with the sums, the campaign's version the public ledger's kept pages are checked against
    migrations.add(CreatePageVersions())  // 0034: page_versions, page_changes: the kept signed-in pages' data versions (units, registry, messages), moved on by triggers
    migrations.add(AddProceduresPageVersion())  // 0036: page_versions gains `procedures` (procedures, procedure_questions), the public guide's version
    migrations.add(AddCriteriaPageVersion())  // 0037: page_versions gains `criteria` (criteria sets, criteria, includes, manual values, snapshots, dashboards counted ahead), the criteria dashboards' version
    migrations.add(AddVillageVisitMonths())  // 0038: visit_months gains each village's rows for the whole village, what a village's or a commune's outreach overview reads
}
