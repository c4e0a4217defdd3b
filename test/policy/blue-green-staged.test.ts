import { ANNOTATION_COLOR_CONFIG } from '../../lib/core/labels';
import { apiPod, colored, compliantShop, messagesOf, object, verify } from './corpus/fixtures';

const BLUE_IMAGE = `registry.example.com/shop/api:1.4.2@sha256:${'b'.repeat(64)}`;
const GREEN_IMAGE = `registry.example.com/shop/api:1.5.0@sha256:${'c'.repeat(64)}`;

function parityOf(change: (blue: any[], green: any[]) => void): string[] {
  const blue = colored(compliantShop(), 'blue', BLUE_IMAGE);
  const green = colored(compliantShop(), 'green', GREEN_IMAGE);
  change(blue, green);
  return messagesOf(verify([...blue, ...green]), 'BLUEGREEN-PARITY');
}

const annotate = (o: any, aspects: string) => (o.metadata.annotations = { ...o.metadata.annotations, [ANNOTATION_COLOR_CONFIG]: aspects });

describe('BLUEGREEN-PARITY with configuration staged on a colour |', () => {
  test('a staged env and resources difference passes when the object declares both aspects', () => {
    expect(
      parityOf((_blue, green) => {
        const { deployment, container } = apiPod(green);
        container.env[0].value = 'debug';
        container.env.push({ name: 'FEATURE_NEW_QUIZ_UI', value: 'true' });
        container.resources.limits.memory = '1Gi';
        annotate(deployment, 'env,resources');
      }),
    ).toEqual([]);
  });

  test('an undeclared aspect still fails, naming the field; the declared one is set aside', () => {
    expect(
      parityOf((_blue, green) => {
        const { deployment, container } = apiPod(green);
        container.env[0].value = 'debug';
        container.resources.limits.cpu = '2';
        annotate(deployment, 'env');
      }),
    ).toEqual([
      `Deployment/shop-blue/api: differs from its green counterpart Deployment/shop-green/api at 'spec.template.spec.containers[0].resources.limits.cpu' (blue: "500m", green: "2"); only the colour, images, version label and the configuration staged on a colour (annotation ${ANNOTATION_COLOR_CONFIG}) may differ`,
    ]);
  });

  test('the declaration of either colour counts (the live colour keeps what it promoted), unknown aspects set nothing aside', () => {
    expect(
      parityOf((blue) => {
        const { deployment, container } = apiPod(blue);
        container.env[0].value = 'debug';
        annotate(deployment, 'env');
      }),
    ).toEqual([]);
    expect(
      parityOf((_blue, green) => {
        const { deployment, container } = apiPod(green);
        container.env[0].value = 'debug';
        annotate(deployment, 'everything');
      }),
    ).toEqual([
      `Deployment/shop-blue/api: differs from its green counterpart Deployment/shop-green/api at 'spec.template.spec.containers[0].env[0].value' (blue: "info", green: "debug"); only the colour, images, version label and the configuration staged on a colour (annotation ${ANNOTATION_COLOR_CONFIG}) may differ`,
    ]);
  });

  test("autoscaling sets aside an HPA's bounds and behaviour only", () => {
    expect(
      parityOf((_blue, green) => {
        const hpa = object(green, 'HorizontalPodAutoscaler', 'api');
        hpa.spec.minReplicas = 1;
        hpa.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 3600 } };
        annotate(hpa, 'autoscaling');
      }),
    ).toEqual([]);
    expect(
      parityOf((_blue, green) => {
        const hpa = object(green, 'HorizontalPodAutoscaler', 'api');
        hpa.spec.metrics = [];
        annotate(hpa, 'autoscaling');
      }),
    ).toEqual([
      `HorizontalPodAutoscaler/shop-blue/api: differs from its green counterpart HorizontalPodAutoscaler/shop-green/api at 'spec.metrics[0]' (blue: {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}, green: missing); only the colour, images, version label and the configuration staged on a colour (annotation ${ANNOTATION_COLOR_CONFIG}) may differ`,
    ]);
  });
});
