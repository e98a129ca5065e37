/**
 * The spam-filter service: `POST /predict {"text": "..."}` →
 * `{"spam_probability": p, "label": "spam" | "ham"}`.
 *
 * The model comes from the runtime as MLAAS_MODEL_CLASSIFIER (train one with
 * `node dist/examples/spam-filter/train.js`). A tenant may move the threshold
 * with its config setting `spamThreshold` (a number between 0 and 1).
 */
import { z } from 'zod';
import { modelPath, route, service } from 'mlaas/sdk';
import { loadSpamClassifier, SPAM_THRESHOLD, type SpamClassifier } from './spam-classifier.js';

// One load shared by onStart and any request that arrives before it finished; once loaded, a request takes it as it is.
let classifier: Promise<SpamClassifier> | undefined;
let loaded: SpamClassifier | undefined;
const loadClassifier = async () => (loaded ??= await (classifier ??= loadSpamClassifier(modelPath('classifier'))));

function thresholdOf(config: Record<string, unknown>): number {
  const value = config['spamThreshold'];
  return typeof value === 'number' && value > 0 && value < 1 ? value : SPAM_THRESHOLD;
}

const app = service({
  name: 'spam-filter',
  version: '1.0.0',
  onStart: async () => {
    await loadClassifier();
  },
  routes: [
    route({
      method: 'POST',
      path: '/predict',
      summary: 'Probability that a message is spam',
      body: z.object({ text: z.string().min(1).max(200_000) }),
      response: z.object({ spam_probability: z.number(), label: z.enum(['spam', 'ham']) }),
      handler: async ({ body, config }) => {
        const p = await (loaded ?? (await loadClassifier())).spamProbability(body.text);
        return { spam_probability: p, label: p >= thresholdOf(config) ? 'spam' : 'ham' };
      },
    }),
  ],
});

await app.listen();
