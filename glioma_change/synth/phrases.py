"""English and French phrase banks of the synthetic radiology reports.

Each entry is a list of interchangeable templates; `{...}` fields are filled by `reports.py`.
Keys name what a phrase asserts, so the wording always follows the ground truth.
"""

from __future__ import annotations

from typing import Any

EN: dict[str, Any] = {
    # section headers: the n-th entry of each list forms one consistent house style
    "h_indication": ["INDICATION:", "Clinical information:", "Indication:"],
    "h_technique": ["TECHNIQUE:", "Technique:", "Protocol:"],
    "h_comparison": ["COMPARISON:", "Comparison:", "Prior studies:"],
    "h_findings": ["FINDINGS:", "Findings:", "Report:"],
    "h_conclusion": ["CONCLUSION:", "Impression:", "Conclusion:"],
    "lesion": [
        "T2/FLAIR hyperintensity",
        "FLAIR signal abnormality",
        "T2 hyperintense infiltrative lesion",
        "T2/FLAIR signal abnormality",
    ],
    "diagnosis": {
        "glioblastoma": "glioblastoma, IDH-wildtype",
        "astrocytoma": "astrocytoma, IDH-mutant",
        "oligodendroglioma": "oligodendroglioma",
    },
    "location": ["{side} {lobe} lobe", "{side} {lobe} region"],
    "surgery": {
        "resection": "status post resection in {month}",
        "partial resection": "status post partial resection in {month}",
        "biopsy": "biopsied in {month}",
    },
    "radiotherapy": ["chemoradiotherapy (Stupp protocol) completed in {month}", "radiotherapy completed in {month}"],
    "temozolomide": ["currently on adjuvant temozolomide", "on temozolomide", "temozolomide cycle {cycle}"],
    "indication": [
        "Follow-up of {loc} {diagnosis}, {history}.",
        "Known {loc} {diagnosis}, {history}. Follow-up.",
        "{diagnosis} ({loc}), {history}. Assessment of treatment response.",
    ],
    "technique": [
        "Axial T2, FLAIR, DWI, SWI and 3D T1 before and after gadolinium.",
        "Brain MRI with and without contrast: T2 TSE, FLAIR, diffusion, T1 MPRAGE pre and post gadolinium.",
        "Standard glioma protocol on a 3T scanner.",
    ],
    "scanner": [
        "Examination performed on a different scanner than the prior study.",
        "Note: new scanner since the previous examination.",
    ],
    "comparison_date": ["MRI of {date}.", "Brain MRI dated {date}.", "Compared with the examination of {date}."],
    "comparison_nodate": ["Prior MRI.", "Previous examination.", "Last brain MRI."],
    "inline_comparison": [
        "Compared with the MRI of {date}.",
        "Comparison is made with the study of {date}.",
        "In comparison with {date}:",
    ],
    "inline_comparison_nodate": ["Compared with the previous MRI.", "Comparison with the prior study."],
    "postop": [
        "Post-operative changes of a {side} craniotomy with a resection cavity in the {lobe} lobe.",
        "Stable post-surgical changes in the {side} {lobe} region.",
        "Post-operative changes with a {side} {lobe} surgical cavity.",
    ],
    "biopsy_track": ["Biopsy tract in the {side} {lobe} lobe."],
    "necrosis": ["Central necrotic component.", "Central T2 hyperintense non-enhancing necrotic area."],
    "measure": ["measuring {now}, previously {prev}", "now measuring {now} (previously {prev})", "{now} versus {prev}"],
    "stable_t2": ["The {lesion} in the {loc} is stable, {measure}.", "Unchanged {lesion} in the {loc}, {measure}."],
    "stable_t2_negated": [
        "The {lesion} of the {loc} shows no significant change, {measure}.",
        "No change in the {lesion} of the {loc}, {measure}.",
    ],
    "stable_t2_nomeasure": ["Stable {lesion} in the {loc}.", "The {lesion} of the {loc} is unchanged."],
    "progression_t2": [
        "Increase in size of the {lesion} in the {loc}, {measure}.",
        "Enlarging {lesion} in the {loc}, {measure}.",
        "The {lesion} of the {loc} has increased in extent, {measure}.",
    ],
    "progression_extra": [
        "It now extends into the corpus callosum.",
        "Increased mass effect on the adjacent ventricle.",
        "New extension along the white-matter tracts.",
    ],
    "response_t2": [
        "Decrease in size of the {lesion} in the {loc}, {measure}.",
        "The {lesion} of the {loc} has decreased, {measure}.",
        "Interval reduction of the {lesion} in the {loc}, {measure}.",
    ],
    "enh_none": ["No pathological enhancement.", "No enhancing component."],
    "enh_same": ["Unchanged faint nodular enhancement.", "Stable small enhancing component."],
    "enh_new": ["New nodular enhancement at the margin of the lesion.", "Appearance of a new enhancing nodule."],
    "enh_gone": ["Disappearance of the previously seen enhancement.", "The enhancing nodule is no longer visible."],
    "enh_more": ["Increase of the enhancing component.", "The enhancing component has enlarged."],
    "enh_less": ["Decreased enhancement.", "Reduction of the enhancing component."],
    "normal": ["No hydrocephalus.", "No restricted diffusion.", "No midline shift.", "No acute haemorrhage."],
    "unrelated": [
        "Mucosal thickening of the {lr} maxillary sinus.",
        "New mucosal thickening of the {lr} maxillary sinus.",
        "A few punctate microbleeds on SWI, unchanged.",
        "New punctate microbleed in the {lr} cerebellum.",
        "Mild chronic small vessel disease.",
        "Partial opacification of the {lr} mastoid cells.",
        "Incidental arachnoid cyst of the {lr} temporal fossa.",
    ],
    "c_stable": ["Stable appearance compared with {ref}.", "Stable disease.", "Unchanged {diagnosis}."],
    "c_negated": [
        "No evidence of tumour progression.",
        "No progression compared with {ref}.",
        "No significant change.",
        "No new lesion and no progression.",
    ],
    "c_progression": ["Progression of the {lesion}.", "Tumour progression.", "Progressive disease."],
    "c_progression_hedged": [
        "Findings suggestive of tumour progression; pseudoprogression cannot be excluded.",
        "Probable progression; short-term follow-up suggested.",
        "Increase of the {lesion}, likely progression.",
    ],
    "c_response": [
        "Decrease of the {lesion}, in keeping with response to treatment.",
        "Partial response.",
        "Regression of the {lesion}.",
    ],
    "c_response_hedged": [
        "Probable favourable response to treatment.",
        "Decrease of the {lesion}, possibly related to treatment response.",
    ],
    "c_enh_only": ["Stable T2/FLAIR abnormality, but {enh_clause}."],
    "c_enh_only_negated": ["No change of the {lesion}; however {enh_clause}."],
    "c_enh_only_hedged": ["Stable T2/FLAIR component; {enh}, possibly treatment-related, to be monitored."],
    "enh_clause": {
        "new": "new enhancement suspicious for progression",
        "gone": "the previously seen enhancement has resolved",
        "more": "increased enhancement suspicious for progression",
    },
    "enh_short": {
        "new": "new enhancement",
        "gone": "disappearance of the enhancement",
        "more": "increased enhancement",
    },
    # discordant readings (synth/fidelity.py): a probable or hedged reading states its T2 call once, in the
    # conclusion, with the words of its confidence; the findings only describe the lesion
    "described_t2": ["The {lesion} of the {loc} measures {now}.", "{Lesion} in the {loc}, {now}."],
    "c_stable_probable": ["Probably stable.", "Probable stability of the {lesion}."],
    "c_stable_hedged": {
        1: [
            "No definite change; a slight increase cannot be excluded, to be monitored.",
            "No significant change; a slight increase cannot be excluded.",
        ],
        -1: [
            "No definite change; a slight decrease cannot be excluded, to be monitored.",
            "No significant change; a slight decrease cannot be excluded.",
        ],
    },
    "c_slight": {
        1: ["Slight increase of the {lesion}.", "Mild progression of the {lesion}."],
        -1: ["Slight decrease of the {lesion}.", "Mild regression of the {lesion}."],
    },
    "c_possible": {
        1: [
            "Possible slight increase of the {lesion}, to be monitored.",
            "Questionable slight increase of the {lesion}.",
        ],
        -1: [
            "Possible slight decrease of the {lesion}, to be monitored.",
            "Questionable slight decrease of the {lesion}.",
        ],
    },
    "c_lumped": {
        1: ["Progression of the {lesion} with {enh}.", "Tumour progression: enlarging {lesion} and {enh}."],
        -1: ["Regression of the {lesion} with {enh}.", "Decrease of the {lesion} and {enh}, in keeping with response."],
    },
    "c_lumped_probable": {
        1: ["Slight increase of the {lesion} with {enh}."],
        -1: ["Slight decrease of the {lesion} with {enh}."],
    },
    "c_lumped_hedged": {
        1: ["Possible slight increase of the {lesion} with {enh}, to be monitored."],
        -1: ["Possible slight decrease of the {lesion} with {enh}, to be monitored."],
    },
    "ref": ["the prior study", "the previous MRI", "{date}"],
    "sides": {"left": "left", "right": "right"},
    "lobes": {
        "frontal": "frontal",
        "temporal": "temporal",
        "parietal": "parietal",
        "occipital": "occipital",
        "insular": "insular",
    },
}

FR: dict[str, Any] = {
    "h_indication": ["INDICATION :", "Indication :", "Renseignements cliniques :"],
    "h_technique": ["TECHNIQUE :", "Technique :", "Protocole :"],
    "h_comparison": ["COMPARAISON :", "Comparaison :", "Examen de référence :"],
    "h_findings": ["RÉSULTATS :", "Résultats :", "Compte rendu :"],
    "h_conclusion": ["CONCLUSION :", "Conclusion :", "Conclusion :"],
    "lesion": [
        "hypersignal T2/FLAIR",
        "anomalie de signal FLAIR",
        "hypersignal FLAIR infiltrant",
        "infiltration en hypersignal T2",
    ],
    "diagnosis": {
        "glioblastoma": "glioblastome IDH non muté",
        "astrocytoma": "astrocytome IDH muté",
        "oligodendroglioma": "oligodendrogliome",
    },
    "location": ["{lobe} {side}", "du lobe {lobe} {side}"],
    "surgery": {
        "resection": "opéré (exérèse) en {month}",
        "partial resection": "exérèse partielle en {month}",
        "biopsy": "biopsié en {month}",
    },
    "radiotherapy": [
        "radiochimiothérapie (protocole de Stupp) terminée en {month}",
        "radiothérapie terminée en {month}",
    ],
    "temozolomide": ["sous témozolomide", "témozolomide adjuvant en cours", "cure {cycle} de témozolomide"],
    "indication": [
        "Suivi d'un {diagnosis} {loc}, {history}.",
        "{diagnosis} {loc} connu, {history}. Contrôle.",
        "Bilan d'un {diagnosis} {loc}, {history}.",
    ],
    "technique": [
        "Séquences axiales T2, FLAIR, diffusion, SWI et 3D T1 avant et après injection de gadolinium.",
        "IRM cérébrale sans et avec injection : T2 TSE, FLAIR, diffusion, T1 3D.",
        "Protocole gliome standard sur IRM 3T.",
    ],
    "scanner": [
        "Examen réalisé sur une machine différente de l'examen précédent.",
        "Nouvelle machine depuis le dernier examen.",
    ],
    "comparison_date": ["IRM du {date}.", "IRM cérébrale du {date}.", "Comparaison avec l'examen du {date}."],
    "comparison_nodate": ["IRM précédente.", "Examen antérieur.", "Dernière IRM cérébrale."],
    "inline_comparison": [
        "Comparativement à l'IRM du {date}.",
        "Par rapport à l'examen du {date}.",
        "En comparaison avec l'IRM du {date} :",
    ],
    "inline_comparison_nodate": ["Par rapport à l'IRM précédente.", "Comparativement à l'examen antérieur."],
    "postop": [
        "Remaniements post-opératoires avec cavité d'exérèse {lobe} {side}.",
        "Status post-opératoire {lobe} {side} stable.",
        "Cavité opératoire {lobe} {side}.",
    ],
    "biopsy_track": ["Trajet de biopsie {lobe} {side}."],
    "necrosis": ["Composante nécrotique centrale.", "Zone centrale nécrotique non rehaussée."],
    "measure": ["mesurant {now} contre {prev}", "de {now} (précédemment {prev})", "{now} versus {prev}"],
    "stable_t2": ["L'{lesion} {loc} est stable, {measure}.", "Stabilité de l'{lesion} {loc}, {measure}."],
    "stable_t2_negated": [
        "{Lesion} {loc} sans changement, {measure}.",
        "Pas de modification de l'{lesion} {loc}, {measure}.",
    ],
    "stable_t2_nomeasure": ["{Lesion} {loc} stable.", "Aspect superposable de l'{lesion} {loc}."],
    "progression_t2": [
        "Augmentation de taille de l'{lesion} {loc}, {measure}.",
        "Majoration de l'{lesion} {loc}, {measure}.",
        "Extension de l'{lesion} {loc}, {measure}.",
    ],
    "progression_extra": ["Extension au corps calleux.", "Majoration de l'effet de masse sur le ventricule adjacent."],
    "response_t2": [
        "Diminution de taille de l'{lesion} {loc}, {measure}.",
        "Régression de l'{lesion} {loc}, {measure}.",
        "Réduction de l'{lesion} {loc}, {measure}.",
    ],
    "enh_none": ["Pas de prise de contraste pathologique.", "Absence de rehaussement."],
    "enh_same": ["Discrète prise de contraste nodulaire inchangée.", "Petite composante rehaussée stable."],
    "enh_new": [
        "Apparition d'une prise de contraste nodulaire en bordure de la lésion.",
        "Nouvelle prise de contraste.",
    ],
    "enh_gone": [
        "Disparition de la prise de contraste décrite précédemment.",
        "La prise de contraste n'est plus visible.",
    ],
    "enh_more": ["Majoration de la prise de contraste.", "Augmentation de la composante rehaussée."],
    "enh_less": ["Diminution de la prise de contraste.", "Régression de la composante rehaussée."],
    "normal": [
        "Pas d'hydrocéphalie.",
        "Pas de restriction de la diffusion.",
        "Pas de déviation de la ligne médiane.",
        "Pas de saignement récent.",
    ],
    "unrelated": [
        "Épaississement muqueux du sinus maxillaire {lr}.",
        "Nouvel épaississement muqueux du sinus maxillaire {lr}.",
        "Quelques microsaignements en SWI, inchangés.",
        "Nouveau microsaignement cérébelleux {lr}.",
        "Leucopathie vasculaire discrète.",
        "Comblement mastoïdien {lr}.",
    ],
    "c_stable": ["Aspect stable par rapport à {ref}.", "Stabilité lésionnelle.", "{Diagnosis} stable."],
    "c_negated": [
        "Pas d'évolution.",
        "Pas de progression tumorale par rapport à {ref}.",
        "Pas de modification significative.",
        "Absence de progression.",
    ],
    "c_progression": ["Progression de l'{lesion}.", "Progression tumorale.", "Évolution tumorale."],
    "c_progression_hedged": [
        "Aspect évocateur d'une progression, sans pouvoir exclure une pseudo-progression.",
        "Probable progression, contrôle rapproché proposé.",
        "Majoration de l'{lesion}, probablement évolutive.",
    ],
    "c_response": [
        "Régression de l'{lesion}, en faveur d'une réponse au traitement.",
        "Réponse partielle.",
        "Diminution de l'{lesion}.",
    ],
    "c_response_hedged": [
        "Probable réponse favorable au traitement.",
        "Diminution de l'{lesion}, possiblement en rapport avec le traitement.",
    ],
    "c_enh_only": ["Hypersignal T2/FLAIR stable, mais {enh_clause}."],
    "c_enh_only_negated": ["Pas de modification de l'{lesion} ; en revanche {enh_clause}."],
    "c_enh_only_hedged": ["Composante T2/FLAIR stable ; {enh}, possiblement post-thérapeutique, à surveiller."],
    "enh_clause": {
        "new": "nouvelle prise de contraste suspecte d'évolution",
        "gone": "disparition de la prise de contraste décrite précédemment",
        "more": "majoration de la prise de contraste suspecte d'évolution",
    },
    "enh_short": {
        "new": "nouvelle prise de contraste",
        "gone": "disparition de la prise de contraste",
        "more": "majoration de la prise de contraste",
    },
    "described_t2": ["{Lesion} {loc}, mesurant {now}.", "L'{lesion} {loc} mesure {now}."],
    "c_stable_probable": ["Aspect probablement stable.", "Probable stabilité de l'{lesion}."],
    "c_stable_hedged": {
        1: [
            "Pas d'évolution franche ; une discrète majoration ne peut être exclue, à surveiller.",
            "Pas de changement franc ; une discrète augmentation ne peut être exclue.",
        ],
        -1: [
            "Pas d'évolution franche ; une discrète diminution ne peut être exclue, à surveiller.",
            "Pas de changement franc ; une discrète régression ne peut être exclue.",
        ],
    },
    "c_slight": {
        1: ["Discrète augmentation de l'{lesion}.", "Légère majoration de l'{lesion}."],
        -1: ["Discrète diminution de l'{lesion}.", "Légère régression de l'{lesion}."],
    },
    "c_possible": {
        1: [
            "Possible discrète augmentation de l'{lesion}, à surveiller.",
            "Discrète majoration possible de l'{lesion}, à surveiller.",
        ],
        -1: [
            "Possible discrète diminution de l'{lesion}, à surveiller.",
            "Discrète régression possible de l'{lesion}, à surveiller.",
        ],
    },
    "c_lumped": {
        1: ["Progression de l'{lesion} avec {enh}.", "Évolution tumorale : majoration de l'{lesion} et {enh}."],
        -1: ["Régression de l'{lesion} avec {enh}.", "Diminution de l'{lesion} et {enh}, en faveur d'une réponse."],
    },
    "c_lumped_probable": {
        1: ["Discrète majoration de l'{lesion} avec {enh}."],
        -1: ["Discrète diminution de l'{lesion} avec {enh}."],
    },
    "c_lumped_hedged": {
        1: ["Possible discrète majoration de l'{lesion} avec {enh}, à surveiller."],
        -1: ["Possible discrète diminution de l'{lesion} avec {enh}, à surveiller."],
    },
    "ref": ["l'examen précédent", "l'IRM antérieure", "{date}"],
    "sides": {"left": "gauche", "right": "droit"},
    "lobes": {
        "frontal": "frontal",
        "temporal": "temporal",
        "parietal": "pariétal",
        "occipital": "occipital",
        "insular": "insulaire",
    },
}
