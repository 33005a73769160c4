/** Name pools for the generated estate: enough variety that a few hundred users look like a company. */
export const FIRST_NAMES = [
  'Aaron', 'Abigail', 'Adrian', 'Aisha', 'Alan', 'Alejandro', 'Alex', 'Alice', 'Amara', 'Amelia', 'Ana', 'Andre',
  'Anika', 'Arjun', 'Beatriz', 'Ben', 'Bianca', 'Bram', 'Caleb', 'Camila', 'Carlos', 'Chen', 'Chloe', 'Daniel',
  'Dara', 'David', 'Diego', 'Elena', 'Eli', 'Emma', 'Ethan', 'Fatima', 'Felix', 'Freya', 'Gabriel', 'Grace',
  'Hana', 'Hannah', 'Hiroshi', 'Ian', 'Ines', 'Isaac', 'Ivy', 'Jack', 'Jamal', 'Jana', 'Javier', 'Jin', 'Jonas',
  'Julia', 'Kai', 'Karin', 'Kenji', 'Laila', 'Lars', 'Leila', 'Leo', 'Lina', 'Lucas', 'Maja', 'Marco', 'Maria',
  'Mateo', 'Maya', 'Mei', 'Mia', 'Mohammed', 'Nadia', 'Naomi', 'Nico', 'Nina', 'Noah', 'Olga', 'Omar', 'Oscar',
  'Paula', 'Pedro', 'Priya', 'Rafael', 'Ravi', 'Rosa', 'Ruth', 'Sam', 'Sara', 'Sean', 'Sofia', 'Sven', 'Tariq',
  'Tessa', 'Theo', 'Uma', 'Victor', 'Wei', 'Yara', 'Yusuf', 'Zara', "D'Arcy", "Siobhan",
] as const;

export const LAST_NAMES = [
  'Abbott', 'Adeyemi', 'Alvarez', 'Andersen', 'Bauer', 'Becker', 'Bennett', 'Brooks', 'Castillo', 'Chen', 'Costa',
  'Dubois', 'Eriksson', 'Fernandes', 'Fischer', 'Garcia', 'Gupta', 'Hansen', 'Hernandez', 'Hoffmann', 'Ibrahim',
  'Ito', 'Jansen', 'Kim', 'Kowalski', 'Kumar', 'Larsen', 'Lee', 'Lopez', 'Martin', 'Meyer', 'Moreau', 'Murphy',
  'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Patel', 'Petrov', 'Quinn', 'Rahman', 'Rossi', 'Sato', 'Schmidt',
  'Silva', 'Singh', 'Smith', 'Tanaka', 'Torres', 'Varga', 'Wagner', 'Wang', 'Weber', 'Williams', 'Yamamoto', 'Zhang',
  "O'Brien", "O'Neill",
] as const;

export const DEPARTMENTS = ['Finance', 'Engineering', 'Sales', 'Marketing', 'Operations', 'Legal', 'HR', 'Support', 'IT', 'Research'] as const;

export const JOB_TITLES = ['Analyst', 'Engineer', 'Manager', 'Specialist', 'Consultant', 'Director', 'Coordinator', 'Architect', 'Associate', 'Lead'] as const;
