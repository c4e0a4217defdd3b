/** `user-service` -> `UserService`: construct ids from Kubernetes names. */
export function pascalCase(name: string): string {
  return name
    .split(/[-.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
