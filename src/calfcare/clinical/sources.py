"""The citation registry: every source a clinical rule may name, transcribed from /work/shared/clinical/REFERENCE.md.

Rules refer to sources by key (``"nice_ng158"``); what a runner or clinician sees is the short label
(``"NICE NG158"``) and, in the docs, the full citation with its DOI or URL.

Confidence follows REFERENCE.md: ``P`` seen in the primary source, ``S`` only in a secondary source that cites it,
``U`` not found / not verified. ``banister1991`` and ``morton1990`` are used by the load analytics and are *not* part of
REFERENCE.md (``in_reference`` is False for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Confidence = Literal["P", "S", "U"]


@dataclass(frozen=True)
class Source:
    key: str
    label: str  # short, shown next to a reason: "NICE NG158", "Green 2022"
    citation: str  # full reference
    confidence: Confidence
    doi: str | None = None
    url: str | None = None
    note: str | None = None  # what the app takes from it, or why it is weak
    in_reference: bool = True  # False: not in REFERENCE.md

    @property
    def link(self) -> str | None:
        """A resolvable link: the DOI as https://doi.org/…, else the URL."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url


def _pmc(pmc_id: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmc_id}"


_ALL: tuple[Source, ...] = (
    # --- red flags and differentials (REFERENCE §3) ---
    Source(
        "nice_ng158",
        "NICE NG158",
        "NICE. Venous thromboembolic diseases: diagnosis, management and thrombophilia testing (NG158), 2020 "
        "(updated 2023).",
        "P",
        url="https://www.nice.org.uk/guidance/ng158",
        note="Two-level DVT Wells score; whole-leg swelling, calf ≥3 cm bigger, previous DVT, cast, surgery, "
        "cancer each count.",
    ),
    Source(
        "zaleski2017",
        "Zaleski 2017",
        "Zaleski AL, Taylor BA, Pescatello LS, Thompson PD, Denegar C. Performance of Wells score to predict deep "
        "vein thrombosis and pulmonary embolism in endurance athletes. Phys Sportsmed 2017;45(4):358–364.",
        "P",
        doi="10.1080/00913847.2017.1355210",
        note="Wells flagged 0/6 DVTs and 0/5 PEs in athletes because 'muscle strain' was taken as the alternative "
        "diagnosis: never subtract for 'probably a strain'. Case series only.",
    ),
    Source(
        "maffulli1998",
        "Maffulli 1998",
        "Maffulli N. The clinical diagnosis of subcutaneous tear of the Achilles tendon: a prospective study in 174 "
        "patients. Am J Sports Med 1998;26(2):266–270.",
        "P",
        doi="10.1177/03635465980260021801",
        note="Calf-squeeze test sensitivity 0.96, specificity 0.93; palpable gap 0.73/0.89.",
    ),
    Source(
        "bjgp2015",
        "BJGP 2015",
        "Achilles tendon rupture: frequently missed at first contact (Br J Gen Pract 2015, PMC4655731; "
        "CKS-style summary).",
        "S",
        url=_pmc("PMC4655731"),
        note="Patients can still walk and point the foot; an intact plantaris can give a false-negative squeeze test.",
    ),
    Source(
        "statpearls_acs",
        "StatPearls ACS",
        "StatPearls. Acute Compartment Syndrome.",
        "P",
        note="Pain out of proportion and pain on passive stretch are the early, most useful signs; emergency.",
    ),
    Source(
        "msd_radicular",
        "MSD Manual",
        "MSD Manual Professional Edition: lumbosacral radiculopathy (S1 root).",
        "P",
        note="Pain from back/buttock down the back of the thigh into the calf, numb sole/outer foot, weak tip-toe.",
    ),
    Source(
        "ces_cards",
        "CES cards",
        "Greenhalgh, Mercer, Finucane cauda equina syndrome patient cards; Eur Spine J 2011 table.",
        "S",
        note="Saddle numbness, bladder/bowel change, sciatica in both legs → emergency.",
    ),
    Source(
        "statpearls_stress",
        "StatPearls stress injuries",
        "StatPearls. Stress fractures / bone stress injuries.",
        "S",
        note="Focal bony tenderness, pain at rest or night, after training changes.",
    ),
    Source("visualdx_stress", "VisualDx", "VisualDx. Stress fracture of the tibia/fibula.", "S"),
    Source(
        "kahanov2015",
        "Kahanov 2015",
        "Kahanov L, et al. Diagnosis, treatment, and rehabilitation of stress fractures in the lower extremity in "
        "runners. Open Access J Sports Med 2015;6:87–95.",
        "P",
    ),
    Source(
        "fpnotebook_cecs",
        "fpnotebook CECS",
        "fpnotebook: Chronic Exertional Compartment Syndrome (with Orthovellum).",
        "S",
        note="Pain at a predictable point of running, easing within minutes of rest; often both legs.",
    ),
    Source(
        "joy2015",
        "Joy & Raudales 2015",
        "Joy SM, Raudales R. Popliteal artery entrapment syndrome. Curr Sports Med Rep 2015;14(5).",
        "P",
        note="Young athletes: calf cramp, cold/pale/numb foot during exercise, relieved quickly by rest.",
    ),
    Source(
        "infection_consumer",
        "consumer infection pages",
        "Consumer and urgent-care pages on cellulitis and necrotising infection (no guideline retrieved).",
        "S",
        note="Weak: an authoritative guideline (e.g. NICE NG141 or CKS) is still needed.",
    ),
    Source(
        "postgrad_med_j_2002",
        "Postgrad Med J 2002",
        "Ruptured Baker's cyst mimicking DVT (pseudothrombophlebitis). Postgrad Med J 2002;78:304; also BMJ Case "
        "Rep 2023;16:e257869 and Am J Med Sci 2023.",
        "P",
        note="Sudden calf swelling with knee arthritis/effusion; crescent of bruising below the inner ankle bone.",
    ),
    # --- second-round red flags (REFERENCE §3.11) ---
    Source(
        "nye2021",
        "Nye 2021",
        "Nye NS, et al. Clinical practice guideline on exertional rhabdomyolysis. Curr Sports Med Rep "
        "2021;20(3):169–178 (title as summarised in REFERENCE.md §3.11).",
        "P",
        note="Muscle pain, weakness and swelling after strenuous or unaccustomed exertion with tea- or cola-coloured "
        "urine: a doctor the same day, urgent care when urine output falls (risk of kidney injury).",
    ),
    Source(
        "apeland2017",
        "Apeland 2017",
        "Apeland T, et al. Predictors of exertional rhabdomyolysis. BMJ Open Sport Exerc Med 2017;3:e000241 "
        "(title as summarised in REFERENCE.md §3.11).",
        "P",
        note="High-intensity exercise the day before was the one independent predictor.",
    ),
    Source(
        "stroes2015",
        "Stroes 2015",
        "Stroes ES, et al. Statin-associated muscle symptoms: impact on statin therapy. European Atherosclerosis "
        "Society consensus panel statement. Eur Heart J 2015;36(17):1012–1022.",
        "P",
        note="Usually symmetric aching or weakness of large muscles (thighs, buttocks, calves), within weeks of "
        "starting or raising a statin; with dark urine it is rhabdomyolysis.",
    ),
    Source(
        "van_der_linden2003",
        "van der Linden 2003",
        "van der Linden PD, et al. Increased risk of Achilles tendon rupture with quinolone antibacterial use, "
        "especially in elderly patients taking oral corticosteroids. Arch Intern Med 2003;163(15):1801–1807.",
        "P",
        note="Quinolones and steroids raise the risk of Achilles rupture, most with oral corticosteroids and age.",
    ),
    Source(
        "fda_fluoroquinolone2016",
        "FDA 2016",
        "US Food and Drug Administration. Drug safety communication: fluoroquinolone antibacterial drugs, "
        "disabling side effects including tendon rupture, 2016.",
        "S",
        note="Seen via secondary sources only.",
    ),
    Source(
        "stevens_bryant2017",
        "Stevens & Bryant 2017",
        "Stevens DL, Bryant AE. Necrotizing soft-tissue infections. N Engl J Med 2017;377:2253–2265.",
        "P",
        note="Pain out of proportion, skin dusky or purple, blisters, fever; diabetes and weak immunity raise the "
        "risk; an emergency.",
    ),
    Source(
        "le_gal2006",
        "Le Gal 2006",
        "Le Gal G, Righini M, Roy PM, et al. Prediction of pulmonary embolism in the emergency department: the "
        "revised Geneva score. Ann Intern Med 2006;144(3):165–171.",
        "P",
        note="Age over 65 is a risk factor for venous thromboembolism (the Wells score does not count it).",
    ),
    Source(
        "acs_anticoagulation",
        "compartment-syndrome reviews",
        "Compartment-syndrome reviews listing anticoagulation as a risk (no calf-specific guideline found).",
        "S",
        note="A runner on a blood thinner with new, increasing calf swelling needs same-day review.",
    ),
    Source(
        "severs_children",
        "Sever's disease (children)",
        "Calcaneal apophysitis (Sever's disease): heel pain in active children is Sever's until shown otherwise; adult "
        "calf-strain plans do not apply (REFERENCE §3.11; no primary source retrieved).",
        "U",
        note="Not verified: REFERENCE.md names the rule without a retrieved source.",
    ),
    # --- structure and prognosis (§1, §2) ---
    Source(
        "dixon2009",
        "Dixon 2009",
        "Dixon JB. Gastrocnemius vs. soleus strain: how to differentiate and deal with calf muscle injuries. Curr Rev "
        "Musculoskelet Med 2009;2(2):74–77.",
        "P",
        doi="10.1007/s12178-009-9045-8",
    ),
    Source(
        "green2022",
        "Green 2022",
        "Green B, McClelland JA, Semciw AI, Schache AG, McCall A, Pizzari T. The assessment, management and "
        "prevention of calf muscle strain injuries: a qualitative study of the practices and perspectives of 20 "
        "expert sports clinicians. Sports Med Open 2022;8:10.",
        "P",
        doi="10.1186/s40798-021-00364-0",
        note="Expert opinion (qualitative study), not a trial.",
    ),
    Source(
        "green2020_ajsm",
        "Green 2020 (AJSM)",
        "Green B, Lin M, McClelland JA, et al. Return to play and recurrence after calf muscle strain injuries in "
        "elite Australian football players. Am J Sports Med 2020;48(13):3306–3315.",
        "P",
        doi="10.1177/0363546520959327",
    ),
    Source(
        "green2020_sjmss",
        "Green 2020 (SJMSS)",
        "Green B, Lin M, Schache AG, et al. Calf muscle strain injuries in elite Australian Football players: a "
        "descriptive epidemiological evaluation. Scand J Med Sci Sports 2020;30(1):174–184.",
        "P",
        doi="10.1111/sms.13552",
    ),
    Source(
        "prakash2018",
        "Prakash 2018",
        "Prakash A, Entwisle T, Schneider M, Brukner P, Connell D. Connective tissue injury in calf muscle tears and "
        "return to play: MRI correlation. Br J Sports Med 2018;52(14):929–933.",
        "P",
        doi="10.1136/bjsports-2017-098362",
    ),
    Source(
        "pedret2015",
        "Pedret 2015",
        "Pedret C, Rodas G, Balius R, et al. Return to play after soleus muscle injuries. Orthop J Sports Med "
        "2015;3(7):2325967115595802.",
        "P",
        doi="10.1177/2325967115595802",
    ),
    Source(
        "ekstrand2020",
        "Ekstrand 2020",
        "Ekstrand J, Krutsch W, Spreco A, et al. Time before return to play for the most common injuries in "
        "professional football: a 16-year follow-up of the UEFA Elite Club Injury Study. Br J Sports Med "
        "2020;54(7):421–426.",
        "P",
        doi="10.1136/bjsports-2019-100666",
    ),
    Source(
        "werner2017",
        "Werner 2017",
        "Werner BC, Belkin NS, Kennelly S, et al. Acute gastrocnemius-soleus complex injuries in National Football "
        "League athletes. Orthop J Sports Med 2017;5(1):2325967116680344.",
        "P",
        doi="10.1177/2325967116680344",
    ),
    Source(
        "kelly2022",
        "Kelly 2022",
        "Kelly S, Pollock N, Polglass G, Chakraverty J (author list to verify). Injury and illness in elite "
        "athletics: a prospective cohort study over three seasons. Int J Sports Phys Ther 2022 (PMC8975568).",
        "S",
        url=_pmc("PMC8975568"),
        note="Ranking seen in the abstract; day values from a secondary source.",
    ),
    Source(
        "tennis_leg_review",
        "tennis-leg review",
        "Ruptures of the medial gastrocnemius tendon ('tennis leg'), review (Duke Scholars record; journal/authors "
        "not captured).",
        "P",
        note="Most return to baseline activity around 6 weeks.",
    ),
    Source(
        "orchard2020",
        "Orchard 2020",
        "Orchard JW, Jomaa MC, Orchard JJ, et al. Fifteen-week window for recurrent muscle strains in football. Br J "
        "Sports Med 2020;54(18):1103 ff.",
        "P",
    ),
    Source(
        "meek2022",
        "Meek 2022",
        "Meek WM, Kucharik MP, Eberlin CT, et al. Calf strain in athletes. JBJS Rev 2022;10(3):e21.00183.",
        "P",
        doi="10.2106/JBJS.RVW.21.00183",
    ),
    Source(
        "mueller_wohlfahrt2013",
        "Munich consensus 2013",
        "Mueller-Wohlfahrt H-W, Haensel L, Mithoefer K, et al. Terminology and classification of muscle injuries in "
        "sport: the Munich consensus statement. Br J Sports Med 2013;47(6):342–350.",
        "P",
        doi="10.1136/bjsports-2012-091448",
    ),
    Source(
        "pollock2014",
        "Pollock 2014 (BAMIC)",
        "Pollock N, James SLJ, Lee JC, Chakraverty R. British athletics muscle injury classification: a new grading "
        "system. Br J Sports Med 2014;48(18):1347–1351.",
        "P",
        doi="10.1136/bjsports-2013-093302",
    ),
    Source(
        "nielsen2014_recovery",
        "Nielsen 2014 (recovery)",
        "Nielsen RO, Rønnow L, Rasmussen S, Lind M. A prospective study on time to recovery in 254 injured novice "
        "runners. PLoS One 2014;9(6):e99877.",
        "P",
        doi="10.1371/journal.pone.0099877",
    ),
    Source(
        "mulvad2018",
        "Mulvad 2018",
        "Mulvad B, Nielsen RO, Lind M, Ramskov D. Diagnoses and time to recovery among injured recreational runners "
        "in the RUN CLEVER trial. PLoS One 2018;13(10):e0204742.",
        "P",
        doi="10.1371/journal.pone.0204742",
    ),
    Source(
        "almonroeder2013",
        "Almonroeder 2013",
        "Almonroeder T, Willson JD, Kernozek TW. The effect of foot strike pattern on Achilles tendon load during "
        "running. Ann Biomed Eng 2013;41(8):1758–1766.",
        "P",
        doi="10.1007/s10439-013-0819-1",
        note="Modelling study; no study links foot strike directly to calf-strain incidence.",
    ),
    # --- acute management (§4) ---
    Source(
        "jarvinen2007",
        "Järvinen 2007",
        "Järvinen TAH, Järvinen TLN, Kääriäinen M, et al. Muscle injuries: optimising recovery. Best Pract Res Clin "
        "Rheumatol 2007;21(2):317–331.",
        "P",
        doi="10.1016/j.berh.2006.12.004",
    ),
    Source(
        "dubois2020",
        "Dubois & Esculier 2020",
        "Dubois B, Esculier J-F. Soft-tissue injuries simply need PEACE and LOVE. Br J Sports Med 2020;54(2):72–73.",
        "P",
        doi="10.1136/bjsports-2019-101253",
    ),
    Source(
        "bleakley2004",
        "Bleakley 2004",
        "Bleakley C, McDonough S, MacAuley D. The use of ice in the treatment of acute soft-tissue injury: a "
        "systematic review of randomized controlled trials. Am J Sports Med 2004;32(1):251–261.",
        "P",
    ),
    Source(
        "kwak2006",
        "Kwak 2006",
        "Kwak HS, Lee KB, Han YM. Ruptures of the medial head of the gastrocnemius ('tennis leg'): clinical outcome "
        "and compression effect. Clin Imaging 2006;30(1):48–53.",
        "P",
        doi="10.1016/j.clinimag.2005.07.004",
    ),
    Source(
        "jones2020_cochrane",
        "Cochrane 2020 (NSAIDs)",
        "Jones P, Lamdin R, Dalziel SR. Oral non-steroidal anti-inflammatory drugs versus other oral analgesic "
        "agents for acute soft tissue injury. Cochrane Database Syst Rev 2020;(8):CD007789.",
        "U",
        doi="10.1002/14651858.CD007789.pub3",
        note="Scope seen; results and conclusions not retrieved.",
    ),
    # --- rehab (§5) ---
    Source(
        "alfredson1998",
        "Alfredson 1998",
        "Alfredson H, Pietilä T, Jonsson P, Lorentzon R. Heavy-load eccentric calf muscle training for the treatment "
        "of chronic Achilles tendinosis. Am J Sports Med 1998;26(3):360–366.",
        "P",
        doi="10.1177/03635465980260030301",
        note="Achilles tendinopathy, not calf strain; dosage from secondary.",
    ),
    Source(
        "beyer2015",
        "Beyer 2015",
        "Beyer R, Kongsgaard M, Hougs Kjær B, et al. Heavy slow resistance versus eccentric training as treatment "
        "for Achilles tendinopathy: a randomized controlled trial. Am J Sports Med 2015;43(7):1704–1711.",
        "P",
        doi="10.1177/0363546515584760",
    ),
    Source(
        "oneill2019_isometric",
        "O'Neill 2019 (isometrics)",
        "O'Neill S, et al. (author list to verify) Immediate effects of a 45-s heavy isometric plantar flexor "
        "contraction in Achilles tendinopathy. 2019. PMC6706360.",
        "P",
        url=_pmc("PMC6706360"),
        note="No immediate pain relief; no calf-strain trial of isometrics.",
    ),
    Source(
        "lauersen2014",
        "Lauersen 2014",
        "Lauersen JB, Bertelsen DM, Andersen LB. The effectiveness of exercise interventions to prevent sports "
        "injuries: a systematic review and meta-analysis of randomised controlled trials. Br J Sports Med "
        "2014;48(11):871–877.",
        "P",
        doi="10.1136/bjsports-2013-092538",
    ),
    Source(
        "wiewelhove2019",
        "Wiewelhove 2019",
        "Wiewelhove T, Döweling A, Schneider C, et al. A meta-analysis of the effects of foam rolling on performance "
        "and recovery. Front Physiol 2019;10:376.",
        "P",
        doi="10.3389/fphys.2019.00376",
    ),
    Source(
        "konrad2022",
        "Konrad 2022",
        "Konrad A, Nakamura M, Tilp M, Donti O, Behm DG. Foam rolling training effects on range of motion: a "
        "systematic review and meta-analysis. Sports Med 2022;52(10):2523–2535.",
        "P",
        doi="10.1007/s40279-022-01699-8",
    ),
    Source(
        "lunsford1995",
        "Lunsford & Perry 1995",
        "Lunsford BR, Perry J. The standing heel-rise test for ankle plantar flexion: criterion for normal. Phys Ther "
        "1995;75(8):694–698.",
        "P",
        doi="10.1093/ptj/75.8.694",
    ),
    Source(
        "hebert_losier2017",
        "Hébert-Losier 2017",
        "Hébert-Losier K, Wessman C, Alricsson M, Svantesson U. Updated reliability and normative values for the "
        "standing heel-rise test in healthy adults. Physiotherapy 2017;103(4):446–452.",
        "P",
        doi="10.1016/j.physio.2017.03.002",
    ),
    Source(
        "sleeswijk_visser2025",
        "Sleeswijk Visser 2025",
        "Sleeswijk Visser TSO, O'Neill S, Hébert-Losier K, Eygendaal D, de Vos R-J. Normative values for calf muscle "
        "strength-endurance in the general population assessed with the Calf Raise Application. Braz J Phys Ther "
        "2025:101188.",
        "P",
        doi="10.1016/j.bjpt.2025.101188",
    ),
    Source(
        "ross2000",
        "Ross & Fontenot 2000",
        "Ross MD, Fontenot EG. Test-retest reliability of the standing heel-rise test. J Sport Rehabil 2000;9(2):117.",
        "P",
    ),
    # --- return to run (§6) ---
    Source(
        "clinic_rtr_criteria",
        "clinic return-to-run criteria",
        "Criteria-based physiotherapy clinic pages on starting to jog after a calf strain.",
        "S",
        note="Clinical convention, not trial-tested.",
    ),
    Source(
        "praet2019",
        "Praet 2019",
        "Praet SFE, Purdam CR, Welvaert M, et al. Oral supplementation of specific collagen peptides combined with "
        "calf-strengthening exercises enhances function and reduces pain in Achilles tendinopathy patients. "
        "Nutrients 2019;11(1):76 (appendix: return-to-running protocol).",
        "P",
        doi="10.3390/nu11010076",
    ),
    Source(
        "ohio_state2019",
        "Ohio State 2019",
        "Gallatin & Graver. Basic Return to Running Guideline. The Ohio State University, 2019.",
        "S",
    ),
    Source(
        "army_walkrun2023",
        "Army walk-run 2023",
        "Walk–run return-to-running programme, trial protocol (Trials 2023), Table 1.",
        "P",
        doi="10.1186/s13063-023-07502-x",
    ),
    Source(
        "silbernagel2007",
        "Silbernagel 2007",
        "Silbernagel KG, Thomeé R, Eriksson BI, Karlsson J. Continued sports activity, using a pain-monitoring "
        "model, during rehabilitation in patients with Achilles tendinopathy: a randomized controlled study. Am J "
        "Sports Med 2007;35(6):897–906.",
        "P",
        doi="10.1177/0363546506298279",
        note="Built for tendinopathy, not validated for acute calf strains.",
    ),
    Source(
        "thomee1997",
        "Thomeé 1997",
        "Thomeé R. A comprehensive treatment approach for patellofemoral pain syndrome in young women. Phys Ther "
        "1997;77(12):1690–1703.",
        "P",
        doi="10.1093/ptj/77.12.1690",
    ),
    Source(
        "adams2012",
        "Adams 2012",
        "Adams D, Logerstedt D, Hunter-Giordano A, Axe MJ, Snyder-Mackler L. Current concepts for anterior cruciate "
        "ligament reconstruction: a criterion-based rehabilitation progression. J Orthop Sports Phys Ther "
        "2012;42(7):601–614 (soreness rules reproduced in IJSPT 2018, PMC6044585).",
        "P",
        url=_pmc("PMC6044585"),
    ),
    Source(
        "smith2017",
        "Smith 2017",
        "Smith BE, et al. Should exercises be painful in the management of chronic musculoskeletal pain? A "
        "systematic review and meta-analysis. Br J Sports Med 2017;51:1679–1687.",
        "S",
    ),
    # --- training load (§7) ---
    Source(
        "nielsen2014",
        "Nielsen 2014",
        "Nielsen RO, Parner ET, Nohr EA, Sørensen H, Lind M, Rasmussen S. Excessive progression in weekly running "
        "distance and risk of running-related injuries. J Orthop Sports Phys Ther 2014;44(10):739–747.",
        "P",
        doi="10.2519/jospt.2014.5164",
    ),
    Source(
        "damsted2019",
        "Damsted 2019",
        "Damsted C, Parner ET, Sørensen H, Malisoux L, Hulme A, Nielsen RO. The association between changes in "
        "weekly running distance and running-related injury: preparing for a half marathon. J Orthop Sports Phys "
        "Ther 2019;49(4):230–238.",
        "P",
    ),
    Source(
        "rasmussen2013",
        "Rasmussen 2013",
        "Rasmussen CH, et al. Weekly running volume and risk of running-related injuries among marathon runners. "
        "Int J Sports Phys Ther 2013.",
        "P",
    ),
    Source(
        "frandsen2025",
        "Frandsen 2025",
        "Frandsen JSB, et al. How much running is too much? Identifying high-risk running sessions in a 5200-person "
        "cohort study. Br J Sports Med 2025;59(17):1203–1210.",
        "P",
        doi="10.1136/bjsports-2024-109380",
        note="Observational, self-reported, mostly male; needs replication.",
    ),
    Source(
        "gabbett2016",
        "Gabbett 2016",
        "Gabbett TJ. The training–injury prevention paradox: should athletes be training smarter and harder? Br J "
        "Sports Med 2016;50(5):273–280.",
        "P",
        doi="10.1136/bjsports-2015-095788",
    ),
    Source(
        "hulin2014",
        "Hulin 2014",
        "Hulin BT, Gabbett TJ, Blanch P, et al. Spikes in acute workload are associated with increased injury risk "
        "in elite cricket fast bowlers. Br J Sports Med 2014;48(8):708–712.",
        "P",
        doi="10.1136/bjsports-2013-092524",
    ),
    Source(
        "hulin2016",
        "Hulin 2016",
        "Hulin BT, Gabbett TJ, Lawson DW, Caputi P, Sampson JA. The acute:chronic workload ratio predicts injury: "
        "high chronic workload may decrease injury risk in elite rugby league players. Br J Sports Med "
        "2016;50(4):231–236.",
        "P",
        doi="10.1136/bjsports-2015-094817",
    ),
    Source(
        "carey2017",
        "Carey 2017",
        "Carey DL, Blanch P, Ong K-L, et al. Training loads and injury risk in Australian football — differing "
        "acute:chronic workload ratios influence match injury risk. Br J Sports Med 2017;51(16):1215–1220.",
        "P",
        doi="10.1136/bjsports-2016-096309",
    ),
    Source(
        "lolli2019",
        "Lolli 2019",
        "Lolli L, Batterham AM, Hawkins R, et al. Mathematical coupling causes spurious correlation within the "
        "conventional acute-to-chronic workload ratio calculations. Br J Sports Med 2019;53(15):921–922.",
        "P",
    ),
    Source(
        "coyne2019",
        "Coyne 2019",
        "Coyne JO, Nimphius S, Newton RU, Haff GG. Does mathematical coupling matter to the acute to chronic "
        "workload ratio? Int J Sports Physiol Perform 2019;14(10):1447–1454.",
        "P",
    ),
    Source(
        "impellizzeri2020",
        "Impellizzeri 2020",
        "Impellizzeri FM, McCall A, Ward P, Bornn L, Coutts AJ. Training load and its role in injury prevention, "
        "part 2: conceptual and methodologic pitfalls. J Athl Train 2020;55(9):893–901.",
        "P",
        doi="10.4085/1062-6050-501-19",
    ),
    Source(
        "impellizzeri2021",
        "Impellizzeri 2021",
        "Impellizzeri FM, Woodcock S, Coutts AJ, et al. What role do chronic workloads play in the acute to chronic "
        "workload ratio? Time to dismiss ACWR and its underlying theory. Sports Med 2021;51(3):581–592.",
        "P",
        doi="10.1007/s40279-020-01378-6",
    ),
    Source(
        "williams2017",
        "Williams 2017",
        "Williams S, West S, Cross MJ, Stokes KA. Better way to determine the acute:chronic workload ratio? Br J "
        "Sports Med 2017;51(3):209–210.",
        "P",
        doi="10.1136/bjsports-2016-096589",
    ),
    Source(
        "murray2017",
        "Murray 2017",
        "Murray NB, Gabbett TJ, Townshend AD, Blanch P. Calculating acute:chronic workload ratios using "
        "exponentially weighted moving averages provides a more sensitive indicator of injury likelihood than "
        "rolling averages. Br J Sports Med 2017;51(9):749–754.",
        "P",
        doi="10.1136/bjsports-2016-097152",
    ),
    Source(
        "sampson2017",
        "Sampson 2017",
        "Sampson JA, et al. (letter on EWMA vs rolling averages). Br J Sports Med 2017;51(7):621–622.",
        "P",
    ),
    Source(
        "foster1998",
        "Foster 1998",
        "Foster C. Monitoring training in athletes with reference to overtraining syndrome. Med Sci Sports Exerc "
        "1998;30(7):1164–1168.",
        "P",
    ),
    Source(
        "foster2001",
        "Foster 2001",
        "Foster C, Florhaug JA, Franklin J, et al. A new approach to monitoring exercise training. J Strength Cond "
        "Res 2001;15(1):109–115.",
        "P",
    ),
    Source(
        "green_pizzari2017",
        "Green & Pizzari 2017",
        "Green B, Pizzari T. Calf muscle strain injuries in sport: a systematic review of risk factors for injury. "
        "Br J Sports Med 2017;51(16):1189–1194.",
        "P",
        doi="10.1136/bjsports-2016-097177",
        note="Older age and previous calf strain are the strongest risk factors.",
    ),
    Source(
        "hagglund2013",
        "Hägglund 2013",
        "Hägglund M, Waldén M, Ekstrand J. Risk factors for lower extremity muscle injury in professional soccer: "
        "the UEFA Injury Study. Am J Sports Med 2013;41(2):327–335.",
        "P",
        doi="10.1177/0363546512470634",
    ),
    Source(
        "orchard2001",
        "Orchard 2001",
        "Orchard JW. Intrinsic and extrinsic risk factors for muscle strains in Australian football. Am J Sports Med "
        "2001;29(3):300–303.",
        "P",
    ),
    Source(
        "bache_mathiesen2021",
        "Bache-Mathiesen 2021",
        "Bache-Mathiesen LK, et al. (authors not shown in the retrieved page) Non-linearity in the training "
        "load–injury relationship. BMJ Open Sport Exerc Med 2021;7(3):e001119.",
        "P",
    ),
    # --- outside REFERENCE.md (load analytics) ---
    Source(
        "banister1991",
        "Banister 1991",
        "Banister EW. Modeling elite athletic performance. In: MacDougall JD, Wenger HA, Green HJ, eds. "
        "Physiological Testing of the High-Performance Athlete. 2nd ed. Human Kinetics; 1991:403–424.",
        "U",
        note="Not in REFERENCE.md: fitness-fatigue (impulse-response) model used by the load analytics.",
        in_reference=False,
    ),
    Source(
        "morton1990",
        "Morton 1990",
        "Morton RH, Fitz-Clarke JR, Banister EW. Modeling human performance in running. J Appl Physiol "
        "1990;69(3):1171–1177.",
        "U",
        doi="10.1152/jappl.1990.69.3.1171",
        note="Not in REFERENCE.md: training-impulse (TRIMP) model used by the load analytics.",
        in_reference=False,
    ),
)

SOURCES: dict[str, Source] = {s.key: s for s in _ALL}
if len(SOURCES) != len(_ALL):  # pragma: no cover - guards the table above
    raise RuntimeError("duplicate source key in calfcare.clinical.sources")


def labels(keys: Iterable[str]) -> list[str]:
    """Short labels for source keys, in first-seen order without repeats. Unknown keys raise KeyError."""
    out: list[str] = []
    for key in keys:
        label = SOURCES[key].label
        if label not in out:
            out.append(label)
    return out
