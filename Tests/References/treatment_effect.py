"""Reference values for AugmentedIPWTests.matchStatsmodelsTreatmentEffect (the data of ipw.py,
with the propensity ESTIMATED by a logit on [1, x1, x2]).

statsmodels TreatmentEffect(OLS(y, Z), t, results_select=Logit(t, Z).fit()):
  .ipw(effect_group='all') (ATE), .ipw(effect_group=1) (ATT), .aipw() (ATE): point estimates.
Their standard errors come from GMM that accounts for the estimated propensity; CampaignLab's
treat the scores as known, so only the estimates are compared (the SEs are printed for the note).
Run: python3 Tests/References/treatment_effect.py
"""
import numpy as np
import statsmodels.api as sm
from statsmodels.treatment.treatment_effects import TreatmentEffect

i = np.arange(600)
x1 = np.sin(i)
x2 = ((i * 37) % 101) / 101
e = 1 / (1 + np.exp(-(-0.4 + 1.1 * x1 + 0.9 * x2)))
t = (((i * 7919) % 1009) / 1009 < e).astype(int)
y = 2 + 3 * x1 + 1.5 * x2 + 1.0 * t + (((i * 104729) % 997) / 997 - 0.5) * 2
Z = sm.add_constant(np.column_stack([x1, x2]))
te = TreatmentEffect(sm.OLS(y, Z), t, results_select=sm.Logit(t, Z).fit(disp=0))
for name, r in [("ipw ate", te.ipw(return_results=True, effect_group="all")),
                ("ipw att", te.ipw(return_results=True, effect_group=1)),
                ("aipw ate", te.aipw(return_results=True))]:
    print(name, repr(float(r.effect[0])), "gmm se", repr(float(r.sd[0])))
