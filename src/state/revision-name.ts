/** Revision names as Cloud Run and Knative print them: `SERVICE-00007`. */
export function revisionName(service: string, number: number): string {
  return `${service}-${String(number).padStart(5, '0')}`;
}
